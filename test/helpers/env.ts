import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * n8n-core reads its folders from the environment when first loaded: point them at a temporary folder (never
 * the home folder) and store binary data on disk, as n8n's filesystem mode does.
 */
const root = mkdtempSync(join(tmpdir(), 'kling-engine-'));
process.env.N8N_USER_FOLDER ??= root;
process.env.N8N_DEFAULT_BINARY_DATA_MODE ??= 'filesystem';
process.env.N8N_BINARY_DATA_STORAGE_PATH ??= join(root, 'binaryData');
process.env.N8N_LOG_LEVEL ??= 'silent';
process.env.N8N_ENCRYPTION_KEY ??= 'engine-test-encryption-key';

export const engineFolder = root;
