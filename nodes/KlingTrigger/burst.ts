import { systemClock, type Clock } from '../shared/clock';

// Answering a burst of callbacks before confirming any of them.
//
// A batch's tasks end together, so their callbacks come together, and n8n handles all of them at once on one event
// loop. Each callback's confirmation (a status read) and the execution it starts take n8n's CPU from the callbacks
// still waiting for their answer — and APIXO waits only 30 s for one. So a callback that has been answered holds
// its confirmation and its execution back while more callbacks keep reaching this process: the whole burst is
// answered first, then confirmed and started. The hold is bounded in time and in number (n8n keeps an expression
// isolate, about 10 MB, for every webhook call in progress). A callback that came alone is not held: it may be the
// first of a burst, but holding it would only delay its run and widen the time in which a second delivery of the
// same callback, to another webhook process, finds its task id not yet saved (README, "Scaling with queue mode").

/** Mutable for tests only. */
export const burstHold = {
	/** No other callback for this long: the burst is over (or there was none). */
	quietMs: 500,
	/** Never hold one callback longer than this: by then APIXO's 30 s for the burst's answers have passed anyway. */
	maxHoldMs: 30_000,
	/** Never hold more callbacks than this at once: one more lets the one held longest go on. */
	maxHeld: 200,
	/** A callback that came alone is answered at the latest this long after it arrived (APIXO waits 30 s). */
	answerByMs: 10_000,
	/** …and otherwise this long after the trigger's webhook() returned, once n8n has saved the task and started its run. */
	answerAfterReturnMs: 250,
	clock: systemClock as Clock,
};

let lastArrivalAt = Number.NEGATIVE_INFINITY;
/** The callbacks held now, longest-held first: each entry lets its callback go on. */
const held: Array<() => void> = [];

/** Answers waiting for their callback's run to start (see `answerWhenStarted`): another arrival sends them all. */
const waitingAnswers = new Set<() => void>();

/**
 * Every callback that reaches the trigger in this process, answered or refused, counts as part of a burst. True when
 * it came alone: no other callback in the last `quietMs`.
 */
export function callbackArrived(): boolean {
	const now = burstHold.clock.now();
	const alone = now - lastArrivalAt >= burstHold.quietMs;
	lastArrivalAt = now;
	for (const send of [...waitingAnswers]) send();
	return alone;
}

/**
 * When APIXO gets the 200 for a callback the trigger has accepted. A callback that came alone is answered only
 * after it has been confirmed and n8n has saved its task id and started its run (`answerAfterReturnMs` after
 * webhook() returned): a process that dies before then leaves a callback APIXO delivers again, and a redelivery
 * that reaches another webhook process finds the task id saved. In a burst, answers go first (see above): the
 * answer is sent at once, and a waiting one as soon as another callback arrives; never later than `answerByMs`
 * after the callback arrived. Returns what to call as webhook() returns.
 */
export function answerWhenStarted(send: () => void, alone: boolean): () => void {
	let sent = false;
	const sendOnce = () => {
		if (sent) return;
		sent = true;
		waitingAnswers.delete(sendOnce);
		send();
	};
	if (!alone) {
		sendOnce();
		return () => {};
	}
	const { clock, answerByMs, answerAfterReturnMs } = burstHold;
	waitingAnswers.add(sendOnce);
	void clock.sleep(answerByMs).then(sendOnce);
	return () => void clock.sleep(answerAfterReturnMs).then(sendOnce);
}

/**
 * Resolves at once for a callback that came alone (`callbackArrived()`); otherwise once no callback has reached this
 * process for `quietMs`, after `maxHoldMs` at most, or at once when `maxHeld` others are held after it.
 */
export async function afterTheBurst(alone: boolean): Promise<void> {
	if (alone) return;
	const { clock, quietMs, maxHoldMs, maxHeld } = burstHold;
	const deadline = clock.now() + maxHoldMs;
	let pushedOn = false;
	let entry: () => void = () => {};
	const woken = new Promise<void>((wake) => {
		entry = () => {
			pushedOn = true;
			wake();
		};
	});
	held.push(entry);
	while (held.length > maxHeld) (held.shift() as () => void)();
	try {
		for (;;) {
			const now = clock.now();
			const quietAt = lastArrivalAt + quietMs;
			if (pushedOn || now >= quietAt || now >= deadline) return;
			await Promise.race([clock.sleep(Math.min(quietAt, deadline) - now), woken]);
		}
	} finally {
		const index = held.indexOf(entry);
		if (index >= 0) held.splice(index, 1);
	}
}

/** How many callbacks are held now (for tests). */
export function heldNow(): number {
	return held.length;
}
