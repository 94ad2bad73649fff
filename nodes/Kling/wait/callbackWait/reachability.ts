import { hostOf } from '../../../shared/hosts';

/**
 * Whether a host is one APIXO, on the internet, cannot reach: loopback, private, link-local or local names.
 * Used to avoid submitting callbacks into the void when this n8n has no public WEBHOOK_URL.
 */
export function isNonPublicHost(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) {
		return true;
	}
	if (!host.includes('.') && !host.includes(':')) return true; // a bare name such as "n8n" only resolves inside a network
	const ipv4 = host.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
	if (ipv4) {
		const [a, b] = [Number(ipv4[1]), Number(ipv4[2])];
		return (
			a === 127 || a === 10 || a === 0 ||
			(a === 172 && b >= 16 && b <= 31) ||
			(a === 192 && b === 168) ||
			(a === 169 && b === 254) ||
			(a === 100 && b >= 64 && b <= 127)
		);
	}
	if (host.includes(':')) {
		return host === '::1' || host === '::' || host.startsWith('fe80:') || host.startsWith('fc') || host.startsWith('fd');
	}
	return false;
}

/** APIXO cannot call back when it is a public service and our callback URL points at a non-public host. */
export function callbackUnreachable(callbackUrl: string, apiBaseUrl: string): boolean {
	const callbackHost = hostOf(callbackUrl)?.hostname;
	const apiHost = hostOf(apiBaseUrl)?.hostname;
	if (callbackHost === undefined || apiHost === undefined) return false;
	return isNonPublicHost(callbackHost) && !isNonPublicHost(apiHost);
}
