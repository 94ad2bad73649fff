/** Facts from APIXO's documentation for Kling 2.5 Turbo Pro. */
export const MODEL = 'kling-2-5-turbo-pro';
export const DEFAULT_BASE_URL = 'https://api.apixo.ai';
export const SUBMIT_PATH = `/api/v1/generateTask/${MODEL}`;
export const STATUS_PATH = `/api/v1/statusTask/${MODEL}`;
export const BALANCE_PATH = '/api/v1/apikeys/current-balance';

export const MAX_PROMPT_LENGTH = 2500;
/** 10,000 requests per minute per key. */
export const API_REQUESTS_PER_MINUTE = 10_000;
/** APIXO's advice: wait 30 s after submitting, then poll every 5 s. */
export const DEFAULT_INITIAL_DELAY_SECONDS = 30;
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
export const DEFAULT_TIMEOUT_MINUTES = 15;
/** Result URLs stop working 15 days after the task ends. */
export const RESULT_URL_LIFETIME_DAYS = 15;

/** APIXO documents four states; any other (such as `processing_r2`, met in the wild) reads as still running. */
export type TaskState = 'pending' | 'processing' | 'success' | 'failed' | (string & {});
export const ENDED_STATES: readonly TaskState[] = ['success', 'failed'];
