/**
 * Timers past Node's longest delay (2^31-1 ms, about 24.8 days) on a fake clock: a 40-day timer
 * fires after 40 days, not after 1 ms as a plain setTimeout would, and clearing it stops it in
 * whichever hop it is.
 */
import { MAX_TIMER_MS, setLongTimeout, waitLong } from "../../local/batch/long-timer";

const DAY_MS = 86_400_000;

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe("setLongTimeout", () => {
  it("fires a 40-day timer once, after 40 days and not a millisecond before", () => {
    const fired = jest.fn();
    setLongTimeout(fired, 40 * DAY_MS);
    jest.advanceTimersByTime(40 * DAY_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(100 * DAY_MS);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("fires a delay of exactly the longest Node takes, and one a millisecond longer, on time", () => {
    const longest = jest.fn();
    const longer = jest.fn();
    setLongTimeout(longest, MAX_TIMER_MS);
    setLongTimeout(longer, MAX_TIMER_MS + 1);
    jest.advanceTimersByTime(MAX_TIMER_MS - 1);
    expect([longest.mock.calls.length, longer.mock.calls.length]).toEqual([0, 0]);
    jest.advanceTimersByTime(1);
    expect([longest.mock.calls.length, longer.mock.calls.length]).toEqual([1, 0]);
    jest.advanceTimersByTime(1);
    expect([longest.mock.calls.length, longer.mock.calls.length]).toEqual([1, 1]);
  });

  it("fires a short delay as setTimeout does", () => {
    const fired = jest.fn();
    setLongTimeout(fired, 1_500);
    jest.advanceTimersByTime(1_499);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it("never fires once cleared, in its first hop or a later one", () => {
    const early = jest.fn();
    const late = jest.fn();
    const first = setLongTimeout(early, 40 * DAY_MS);
    const second = setLongTimeout(late, 40 * DAY_MS);
    jest.advanceTimersByTime(DAY_MS);
    first.clear();
    // Past the first hop (24.8 days): the second waits in its next one.
    jest.advanceTimersByTime(29 * DAY_MS);
    second.clear();
    jest.advanceTimersByTime(100 * DAY_MS);
    expect(early).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it("does not keep the process alive", () => {
    const spy = jest.spyOn(global, "setTimeout");
    setLongTimeout(() => undefined, 40 * DAY_MS).clear();
    const hop = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(hop.hasRef()).toBe(false);
    spy.mockRestore();
  });
});

describe("waitLong", () => {
  it("resolves after 40 days", async () => {
    let done = false;
    const wait = waitLong(40 * DAY_MS).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(40 * DAY_MS - 1);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await wait;
    expect(done).toBe(true);
  });

  it("rejects with the signal's reason when aborted, its timer cleared", async () => {
    const controller = new AbortController();
    const wait = waitLong(40 * DAY_MS, controller.signal);
    await jest.advanceTimersByTimeAsync(30 * DAY_MS);
    const reason = new Error("stopping");
    controller.abort(reason);
    await expect(wait).rejects.toBe(reason);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("rejects at once for a signal already aborted", async () => {
    const reason = new Error("stopped");
    await expect(waitLong(DAY_MS, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(jest.getTimerCount()).toBe(0);
  });
});
