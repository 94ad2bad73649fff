/** The node's limits the benchmark measures against: the one place bench/ reads the node's own source. */
export { MAX_CALLBACK_ITEMS } from '../nodes/Kling/wait/plan';
