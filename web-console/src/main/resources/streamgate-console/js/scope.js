// What a view owns while it is shown, and the one way a view refreshes what it shows.
import { showProblem } from './problems.js';

/**
 * A view's lifetime: its timers and sockets end with it, and answers that arrive after the user
 * moved on are dropped.
 */
export class Scope {
  constructor() {
    this.alive = true;
    this.cleanups = [];
  }

  /** Runs task now and then every ms, never two at once, until the view goes; answers a function that runs it at once (unless running). */
  every(ms, task) {
    let running = false;
    const tick = async () => {
      if (running || !this.alive) return;
      running = true;
      try {
        await task();
      } finally {
        running = false;
      }
    };
    tick();
    const timer = setInterval(tick, ms);
    this.onLeave(() => clearInterval(timer));
    return tick;
  }

  /**
   * Calls load now and then every ms and passes each answer to show while the view is shown. A
   * failure is shown as a problem once per outage, not once per refresh: the next one is shown only
   * after a load has succeeded again. Answers a function that refreshes at once, for after an action.
   */
  refresh(ms, load, show) {
    let failed = false;
    return this.every(ms, async () => {
      try {
        const answer = await load();
        if (!this.alive) return;
        failed = false;
        show(answer);
      } catch (e) {
        if (!failed && this.alive) showProblem(e);
        failed = true;
      }
    });
  }

  onLeave(cleanup) {
    this.cleanups.push(cleanup);
  }

  leave() {
    this.alive = false;
    this.cleanups.forEach((cleanup) => cleanup());
  }
}
