/** The parts a route handler works with. */
import type { ServiceConfig } from "../context";
import type { Fleet } from "../fleet";
import type { JobRules } from "../job-rules";
import type { Scheduler } from "../scheduler";
import type { BatchState } from "../state";

export interface Services {
  state: BatchState;
  fleet: Fleet;
  scheduler: Scheduler;
  rules: JobRules;
  config: ServiceConfig;
}
