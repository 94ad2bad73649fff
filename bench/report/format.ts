/** Number, time and size formats and Markdown tables for the reports. */

export function num(value: number | undefined, digits = 0): string {
	if (value === undefined || !Number.isFinite(value)) return 'n/a';
	return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const seconds = (ms: number | undefined, digits = 1) => (ms === undefined ? 'n/a' : `${num(ms / 1000, digits)} s`);
export const megabytes = (bytes: number | undefined) => (bytes === undefined || !Number.isFinite(bytes) ? 'n/a' : `${num(bytes / 1024 / 1024)} MB`);

export function table(header: string[], rows: string[][]): string {
	const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
	return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
