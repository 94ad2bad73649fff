/**
 * A small round-robin HTTP load balancer on 127.0.0.1, in front of n8n's webhook processes in the `scaled`
 * topology: what nginx, Traefik or a cloud load balancer does in a deployment. Each request goes to the next
 * backend in turn, so two deliveries of the same callback reach two different webhook processes. Like nginx's
 * default (`proxy_next_upstream error timeout`), a backend that refuses the connection is skipped for that
 * request; a backend that fails after it got the request answers 502, as nginx does.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoadBalancer {
	/** Its URL, ending with '/'. */
	url: string;
	/** Requests sent to each backend so far, by backend URL. */
	counts(): Record<string, number>;
	close(): Promise<void>;
}

/** Hop-by-hop headers a proxy does not pass on (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

export async function startLoadBalancer(backends: string[], port = 0): Promise<LoadBalancer> {
	if (backends.length === 0) throw new Error('a load balancer needs backends');
	const targets = backends.map((backend) => new URL(backend));
	const sent = new Map<string, number>(backends.map((backend) => [backend, 0]));
	let next = 0;

	const server: Server = createServer((incoming, outgoing) => {
		// The body is read once, so a request can go to another backend when the first refuses the connection.
		const chunks: Buffer[] = [];
		incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
		incoming.on('error', () => outgoing.destroy());
		incoming.on('end', () => {
			const body = Buffer.concat(chunks);
			const first = next;
			next = (next + 1) % targets.length;
			const attempt = (tried: number) => {
				const index = (first + tried) % targets.length;
				const target = targets[index];
				const headers: Record<string, string | string[]> = {};
				for (const [name, value] of Object.entries(incoming.headers)) {
					if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
				}
				headers['content-length'] = String(body.length);
				headers['x-forwarded-for'] = incoming.socket.remoteAddress ?? '127.0.0.1';
				headers.host = target.host;
				let answered = false;
				const proxied = httpRequest(
					{ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers, agent: false },
					(response: IncomingMessage) => {
						answered = true;
						const responseHeaders: Record<string, string | string[]> = {};
						for (const [name, value] of Object.entries(response.headers)) {
							if (value !== undefined && !HOP_BY_HOP.has(name)) responseHeaders[name] = value;
						}
						outgoing.writeHead(response.statusCode ?? 502, response.statusMessage, responseHeaders);
						response.pipe(outgoing);
						response.on('error', () => outgoing.destroy());
					},
				);
				sent.set(backends[index], (sent.get(backends[index]) ?? 0) + 1);
				proxied.on('error', (error: NodeJS.ErrnoException) => {
					if (answered || outgoing.headersSent) {
						outgoing.destroy();
						return;
					}
					if (error.code === 'ECONNREFUSED' && tried + 1 < targets.length) {
						attempt(tried + 1);
						return;
					}
					outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(`load balancer: ${target.host} failed: ${error.message}`);
				});
				proxied.end(body);
			};
			attempt(0);
		});
	});
	// n8n's own keep-alive is 5 s; the balancer's clients open a connection per request anyway.
	server.keepAliveTimeout = 4000;
	await new Promise<void>((resolveListen, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolveListen());
	});
	const { port: listening } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${listening}/`,
		counts: () => Object.fromEntries(sent),
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
		},
	};
}
