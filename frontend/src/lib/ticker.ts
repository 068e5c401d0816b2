import { msUntilNextServerSecond } from './sla-time';
import { serverClock } from './server-clock';

/**
 * One shared 1 Hz tick for every countdown on the page. A timer per badge would mean thousands of
 * timers in a long inbox; one timer and a set of subscribers costs the same for 1 or 10,000 rows.
 * The tick lands on whole seconds of *server* time so all tabs change their digits together.
 */
type Listener = () => void;

const listeners = new Set<Listener>();
let timer: ReturnType<typeof setTimeout> | null = null;
let current = serverClock.now();

function schedule(): void {
  timer = setTimeout(() => {
    current = serverClock.now();
    listeners.forEach((l) => l());
    schedule();
  }, msUntilNextServerSecond(Date.now(), serverClock.offsetMs()));
}

export function subscribeTick(listener: Listener): () => void {
  listeners.add(listener);
  if (timer === null) {
    current = serverClock.now();
    schedule();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  };
}

/** Server time (epoch ms) as of the last tick. */
export function tickNow(): number {
  return current;
}
