/** The APIXO API simulator: start it with startSimulator(), or run cli.ts for a standalone process. */
export { startSimulator } from './simulator';
export type { SendCallbackOptions, Simulator, SimulatorEvents } from './simulator';
export { FAIL_MESSAGES, parseDirectives } from './plan';
export type {
	CallbackDelivery,
	Fault,
	FaultEndpoint,
	FaultStatus,
	RateLimit,
	SimulatorConfigChange,
	SimulatorOptions,
	SimulatorStats,
	StatusData,
	Submission,
	SubmitInput,
	TaskPlan,
	TaskRecord,
	TaskState,
} from './types';
export { MODEL } from './types';
