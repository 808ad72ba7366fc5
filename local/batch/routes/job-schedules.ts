/** Job schedules: add, get, exists, list, patch, update, delete, disable, enable, terminate, and the jobs of one. */
import { inBackground } from "../background";
import { durationMs } from "../durations";
import { batchError, invalidProperty, missingProperty, notFound } from "../errors";
import type { Route } from "../http";
import { JobSchedules } from "../job-schedules";
import type { JobSchedule, Schedule } from "../model";
import { changed, checkConditions, created, entityReply, listReply } from "../replies";
import { checkProperties } from "../request-properties";
import { key, newETag, now, touch } from "../state";
import { asBody, optionalDuration, requireId, type Body } from "../validate";
import { addJob, newJob } from "./jobs";
import type { Services } from "./services";

/** Batch's shortest recurrence: "The minimum value is 1 minute" (Schedule.recurrenceInterval). */
const MIN_RECURRENCE_MS = 60_000;

function optionalTime(body: Body, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || Number.isNaN(Date.parse(v)))
    throw invalidProperty(`schedule.${name}`, v, "must be a date and time (ISO 8601)");
  return new Date(v).toISOString();
}

function scheduleOf(body: Body): Schedule {
  const raw = body.schedule;
  if (raw === undefined || raw === null) return {};
  const given = asBody(raw);
  const recurrenceInterval = optionalDuration(given, "recurrenceInterval");
  const startWindow = optionalDuration(given, "startWindow");
  if (recurrenceInterval !== undefined && (durationMs(recurrenceInterval) ?? 0) < MIN_RECURRENCE_MS) {
    throw invalidProperty("schedule.recurrenceInterval", recurrenceInterval, "the minimum value is 1 minute");
  }
  const out: Schedule = {};
  const doNotRunUntil = optionalTime(given, "doNotRunUntil");
  const doNotRunAfter = optionalTime(given, "doNotRunAfter");
  if (doNotRunUntil) out.doNotRunUntil = doNotRunUntil;
  if (doNotRunAfter) out.doNotRunAfter = doNotRunAfter;
  if (startWindow) out.startWindow = startWindow;
  if (recurrenceInterval) out.recurrenceInterval = recurrenceInterval;
  return out;
}

export function jobScheduleRoutes(s: Services, schedules: JobSchedules): Route[] {
  const base = () => s.config.baseUrl();
  const scheduleOfReq = (req: { params: Record<string, string> }): JobSchedule => {
    const found = schedules.all.get(key(req.params.jobScheduleId!));
    if (!found) throw notFound("jobSchedule");
    return found;
  };
  /** The specification must make a valid job now, as Batch checks it at add and update. */
  const specificationOf = (body: Body): Record<string, unknown> => {
    if (body.jobSpecification === undefined || body.jobSpecification === null)
      throw missingProperty("jobSpecification");
    const spec = asBody(body.jobSpecification);
    newJob(s, "specification-check", spec);
    return spec;
  };
  const editable = (schedule: JobSchedule) => {
    if (schedule.state === "completed") throw batchError("JobScheduleCompleted");
    if (schedule.state === "deleting") throw batchError("JobScheduleBeingDeleted");
    if (schedule.state === "terminating") throw batchError("JobScheduleBeingTerminated");
  };
  /** The schedule a change request names, if its conditions hold and its state allows a change. */
  const changeable = (req: Parameters<Route["handler"]>[0]): JobSchedule => {
    const schedule = scheduleOfReq(req);
    checkConditions(req, schedule, false);
    editable(schedule);
    return schedule;
  };
  const apply = (schedule: JobSchedule, body: Body, replace: boolean) => {
    if (replace || "jobSpecification" in body) schedule.jobSpecification = specificationOf(body);
    if (replace || "metadata" in body) schedule.metadata = (body.metadata as JobSchedule["metadata"]) ?? [];
    if (replace || "schedule" in body) {
      schedule.schedule = scheduleOf(body);
      touch(schedule);
      if (schedule.state === "active") schedules.restart(schedule);
    }
    touch(schedule);
  };

  return [
    {
      method: "POST",
      pattern: "/jobschedules",
      handler: (req) => {
        const body = asBody(req.body);
        const id = requireId(body);
        checkProperties(body, "job schedule add");
        const schedule = scheduleOf(body);
        if (body.schedule === undefined || body.schedule === null) throw missingProperty("schedule");
        const jobSpecification = specificationOf(body);
        if (schedules.all.has(key(id))) throw batchError("JobScheduleExists");
        const t = now();
        const entity: JobSchedule = {
          id,
          ...(typeof body.displayName === "string" ? { displayName: body.displayName } : {}),
          url: `${base()}/jobschedules/${id}`,
          eTag: newETag(),
          lastModified: t,
          creationTime: t,
          state: "active",
          stateTransitionTime: t,
          schedule,
          jobSpecification,
          metadata: (body.metadata as JobSchedule["metadata"]) ?? [],
          executionInfo: {},
        };
        schedules.add(entity);
        return created(entity.url, entity);
      },
    },
    {
      method: "GET",
      pattern: "/jobschedules",
      handler: (req) => listReply(base(), "jobschedules", schedules.all.values(), req),
    },
    {
      method: "GET",
      pattern: "/jobschedules/{jobScheduleId}",
      handler: (req) => entityReply(base(), "jobschedules", scheduleOfReq(req), req),
    },
    {
      method: "HEAD",
      pattern: "/jobschedules/{jobScheduleId}",
      handler: (req) => {
        const schedule = scheduleOfReq(req);
        checkConditions(req, schedule, true);
        return {
          status: 200,
          headers: { ETag: schedule.eTag, "Last-Modified": new Date(schedule.lastModified).toUTCString() },
        };
      },
    },
    {
      method: "GET",
      pattern: "/jobschedules/{jobScheduleId}/jobs",
      handler: (req) => listReply(base(), "jobs", schedules.jobsOf(scheduleOfReq(req)), req),
    },
    {
      method: "PATCH",
      pattern: "/jobschedules/{jobScheduleId}",
      handler: (req) => {
        const schedule = changeable(req);
        const body = asBody(req.body);
        checkProperties(body, "job schedule patch");
        apply(schedule, body, false);
        return changed(200, schedule.url, schedule);
      },
    },
    {
      method: "PUT",
      pattern: "/jobschedules/{jobScheduleId}",
      handler: (req) => {
        const schedule = changeable(req);
        const body = asBody(req.body);
        checkProperties(body, "job schedule update");
        if (body.schedule === undefined || body.schedule === null) throw missingProperty("schedule");
        apply(schedule, body, true);
        return changed(200, schedule.url, schedule);
      },
    },
    {
      method: "DELETE",
      pattern: "/jobschedules/{jobScheduleId}",
      handler: (req) => {
        const schedule = scheduleOfReq(req);
        checkConditions(req, schedule, false);
        inBackground(schedules.delete(schedule), `job schedule ${schedule.id}: delete`, s.config.log);
        return changed(202, schedule.url);
      },
    },
    {
      method: "POST",
      pattern: "/jobschedules/{jobScheduleId}/disable",
      handler: (req) => {
        const schedule = changeable(req);
        schedules.disable(schedule);
        return changed(204, schedule.url, schedule);
      },
    },
    {
      method: "POST",
      pattern: "/jobschedules/{jobScheduleId}/enable",
      handler: (req) => {
        const schedule = changeable(req);
        if (schedule.state === "disabled") schedules.enable(schedule);
        return changed(204, schedule.url, schedule);
      },
    },
    {
      method: "POST",
      pattern: "/jobschedules/{jobScheduleId}/terminate",
      handler: (req) => {
        const schedule = changeable(req);
        inBackground(schedules.terminate(schedule), `job schedule ${schedule.id}: terminate`, s.config.log);
        return changed(202, schedule.url, schedule);
      },
    },
  ];
}

/** The schedules of one service, creating their jobs through the job routes' own checks. */
export function newJobSchedules(s: Services, timeScale: number): JobSchedules {
  return new JobSchedules(
    s.state.jobSchedules,
    {
      createJob: (id, specification) => {
        const job = newJob(s, id, specification);
        addJob(s, job);
        return job;
      },
      job: (id) => s.state.jobs.get(key(id)),
      terminateJob: (job) => s.rules.terminate(job, "UserTerminate"),
      deleteJob: (job) => s.rules.delete(job),
      log: s.config.log,
    },
    timeScale,
  );
}
