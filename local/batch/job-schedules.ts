/**
 * Job schedules, as Batch runs them: a schedule creates jobs `{scheduleId}:job-1`, `:job-2`, …
 * from its jobSpecification, the first at doNotRunUntil (or at once), then one per
 * recurrenceInterval, never two active at once; an occurrence whose job cannot be created
 * within startWindow (the previous job still active) is skipped. Past doNotRunAfter, or after
 * the one job of a schedule without recurrence, no job is created and the schedule completes
 * once no job of it is active.
 *
 * Schedules are part of the service's state (kept with --data); after a restart each active one
 * goes on from its nextRunTime, an occurrence missed while the service was down coming at once.
 */
import type { Log } from "./background";
import { inBackground } from "./background";
import { durationMs } from "./durations";
import { setLongTimeout, type LongTimer } from "./long-timer";
import type { Job, JobSchedule, JobScheduleState } from "./model";

export type { JobSchedule };
import { key, now, touch, transition } from "./state";

/** What the schedules need of the rest of the service. */
export interface ScheduleHost {
  /** Creates and adds the job (routes/jobs.ts's newJob and addJob); throws a BatchError if the specification no longer fits. */
  createJob(id: string, specification: Record<string, unknown>): Job;
  job(id: string): Job | undefined;
  terminateJob(job: Job): Promise<void>;
  deleteJob(job: Job): Promise<void>;
  log: Log;
}

/** How often a schedule waiting on its active job looks again (the job's end has no signal to wait on). */
const RECHECK_MS = 200;

const jobIdOf = (schedule: JobSchedule, n: number): string => `${schedule.id}:job-${n}`;

interface Clock {
  timer?: LongTimer;
  /** When the occurrence now due (or next) was due, in ms. */
  due?: number;
}

/** How many jobs the schedule has created: the number in its most recent job's id. */
function jobsCreated(schedule: JobSchedule): number {
  const id = schedule.executionInfo.recentJob?.id;
  return id === undefined ? 0 : Number(id.slice(id.lastIndexOf("-") + 1));
}

export class JobSchedules {
  readonly all: Map<string, JobSchedule>;
  private readonly clocks = new Map<string, Clock>();
  private closed = false;

  constructor(
    all: Map<string, JobSchedule>,
    private readonly host: ScheduleHost,
    /** Intervals (recurrence, start window) pass this many times faster; absolute times do not. */
    private readonly timeScale: number,
  ) {
    this.all = all;
  }

  add(schedule: JobSchedule): void {
    this.all.set(key(schedule.id), schedule);
    this.restart(schedule);
  }

  /** After a restart: active schedules go on from their nextRunTime, those cut short in terminating or deleting finish. */
  resume(): void {
    for (const schedule of this.all.values()) {
      if (schedule.state === "deleting")
        inBackground(this.delete(schedule), `job schedule ${schedule.id}: delete (after restart)`, this.host.log);
      else if (schedule.state === "terminating")
        inBackground(this.terminate(schedule), `job schedule ${schedule.id}: terminate (after restart)`, this.host.log);
      else if (schedule.state === "active") {
        const next = schedule.executionInfo.nextRunTime;
        this.clock(schedule).due = next === undefined ? undefined : Date.parse(next);
        this.arm(schedule);
      }
    }
  }

  /** The jobs this schedule created that still exist, oldest first. */
  jobsOf(schedule: JobSchedule): Job[] {
    const jobs: Job[] = [];
    for (let n = 1; n <= jobsCreated(schedule); n++) {
      const job = this.host.job(jobIdOf(schedule, n));
      if (job) jobs.push(job);
    }
    return jobs;
  }

  /** After add, enable or a change of `schedule`: the next occurrence counts from now. */
  restart(schedule: JobSchedule): void {
    const clock = this.clock(schedule);
    const until = schedule.schedule.doNotRunUntil ? Date.parse(schedule.schedule.doNotRunUntil) : 0;
    // A schedule without recurrence makes one job in its life, however often it is changed.
    const oneOffDone = schedule.schedule.recurrenceInterval === undefined && jobsCreated(schedule) > 0;
    clock.due = oneOffDone ? undefined : Math.max(Date.now(), until);
    this.arm(schedule);
  }

  disable(schedule: JobSchedule): void {
    this.setState(schedule, "disabled");
    this.stopClock(schedule);
  }

  enable(schedule: JobSchedule): void {
    this.setState(schedule, "active");
    this.restart(schedule);
  }

  async terminate(schedule: JobSchedule): Promise<void> {
    this.setState(schedule, "terminating");
    this.stopClock(schedule);
    await Promise.all(this.activeJobs(schedule).map((job) => this.host.terminateJob(job)));
    if (schedule.state === "terminating") this.complete(schedule);
  }

  /** Deletes the schedule's jobs (their tasks and files), then the schedule. */
  async delete(schedule: JobSchedule): Promise<void> {
    this.setState(schedule, "deleting");
    this.stopClock(schedule);
    await Promise.all(this.jobsOf(schedule).map((job) => this.host.deleteJob(job)));
    if (this.all.get(key(schedule.id)) === schedule) {
      this.all.delete(key(schedule.id));
      this.clocks.delete(key(schedule.id));
    }
  }

  close(): void {
    this.closed = true;
    for (const clock of this.clocks.values()) clock.timer?.clear();
  }

  private clock(schedule: JobSchedule): Clock {
    let clock = this.clocks.get(key(schedule.id));
    if (!clock) this.clocks.set(key(schedule.id), (clock = {}));
    return clock;
  }

  private stopClock(schedule: JobSchedule): void {
    const clock = this.clock(schedule);
    clock.timer?.clear();
    delete clock.timer;
    delete schedule.executionInfo.nextRunTime;
    touch(schedule);
  }

  private activeJobs(schedule: JobSchedule): Job[] {
    return this.jobsOf(schedule).filter((job) => job.state !== "completed");
  }

  private interval(text: string | undefined): number {
    const ms = text === undefined ? Infinity : (durationMs(text) ?? Infinity);
    return ms / this.timeScale;
  }

  /** Sets nextRunTime and the timer for the occurrence due next, or completes the schedule if none is left. */
  private arm(schedule: JobSchedule): void {
    const clock = this.clock(schedule);
    clock.timer?.clear();
    if (this.closed || schedule.state !== "active") return;
    const after = schedule.schedule.doNotRunAfter ? Date.parse(schedule.schedule.doNotRunAfter) : Infinity;
    const noneLeft = clock.due === undefined || clock.due > after;
    if (noneLeft) return this.completeWhenIdle(schedule);
    schedule.executionInfo.nextRunTime = new Date(clock.due!).toISOString();
    touch(schedule);
    this.occurIn(schedule, Math.max(0, clock.due! - Date.now()));
  }

  /** The schedule's one timer, which does not keep the process alive. */
  private occurIn(schedule: JobSchedule, ms: number): void {
    const clock = this.clock(schedule);
    clock.timer?.clear();
    clock.timer = setLongTimeout(() => this.occur(schedule), ms);
  }

  /** An occurrence is due: create its job, or wait for the previous one within the start window. */
  private occur(schedule: JobSchedule): void {
    const clock = this.clock(schedule);
    if (schedule.state !== "active" || clock.due === undefined) return;
    // Node rounds a timer's delay, so it may fire a millisecond before Date.now() reaches the
    // due time: a job made then would be created before its schedule's doNotRunUntil.
    const early = clock.due - Date.now();
    if (early > 0) return this.occurIn(schedule, early);
    const windowEnd = clock.due + this.interval(schedule.schedule.startWindow);
    if (this.activeJobs(schedule).length > 0 && Date.now() <= windowEnd) return this.occurIn(schedule, RECHECK_MS);
    if (this.activeJobs(schedule).length === 0) this.createJob(schedule);
    const every = this.interval(schedule.schedule.recurrenceInterval);
    if (!Number.isFinite(every)) clock.due = undefined;
    else while (clock.due !== undefined && clock.due <= Date.now()) clock.due += every;
    this.arm(schedule);
  }

  private createJob(schedule: JobSchedule): void {
    const id = jobIdOf(schedule, jobsCreated(schedule) + 1);
    try {
      const job = this.host.createJob(id, schedule.jobSpecification);
      schedule.executionInfo.recentJob = { id: job.id, url: job.url };
      touch(schedule);
    } catch (err) {
      // Batch records such a failure on the schedule's next job; here it is logged and the occurrence lost.
      this.host.log(`job schedule ${schedule.id}: could not create ${id}: ${(err as Error).message}`);
    }
  }

  private completeWhenIdle(schedule: JobSchedule): void {
    delete schedule.executionInfo.nextRunTime;
    touch(schedule);
    const wait = async () => {
      while (!this.closed && schedule.state === "active" && this.activeJobs(schedule).length > 0)
        await new Promise((r) => setTimeout(r, RECHECK_MS));
      if (schedule.state === "active" && !this.closed) this.complete(schedule);
    };
    inBackground(wait(), `job schedule ${schedule.id}: completion`, this.host.log);
  }

  private complete(schedule: JobSchedule): void {
    schedule.executionInfo.endTime = now();
    this.setState(schedule, "completed");
  }

  private setState(schedule: JobSchedule, state: JobScheduleState): void {
    transition(schedule, state);
  }
}
