/** The parts a route handler works with. */
import type { Autoscaler } from "../autoscaler";
import type { ServiceConfig } from "../context";
import type { Fleet } from "../fleet";
import type { JobRules } from "../job-rules";
import type { NodeRemoval } from "../node-removal";
import type { Scheduler } from "../scheduler";
import type { BatchState } from "../state";

export interface Services {
  state: BatchState;
  fleet: Fleet;
  scheduler: Scheduler;
  rules: JobRules;
  removal: NodeRemoval;
  autoscaler: Autoscaler;
  config: ServiceConfig;
}
