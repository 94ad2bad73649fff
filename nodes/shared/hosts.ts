/** A URL's host (with its port) and hostname, or undefined for text that is no URL. */
export function hostOf(url: string): Pick<URL, 'host' | 'hostname'> | undefined {
	try {
		return new URL(url);
	} catch {
		return undefined;
	}
}

/** For messages: the host alone, never the path or query (a URL may carry a token). */
export function hostForMessages(url: string): string {
	return hostOf(url)?.host ?? 'the configured address';
}
