/** The APIXO API simulator: start it with startSimulator(), or run cli.ts for a standalone process. */
export { startSimulator } from './simulator';
export { FAIL_MESSAGES, parseDirectives } from './plan';
export { MODEL } from './types';
export type {
	CallbackDelivery,
	Fault,
	FaultEndpoint,
	FaultStatus,
	RateLimit,
	SendCallbackOptions,
	Simulator,
	SimulatorConfigChange,
	SimulatorEvents,
	SimulatorOptions,
	SimulatorStats,
	StatusData,
	Submission,
	SubmitInput,
	TaskPlan,
	TaskRecord,
	TaskState,
} from './types';
