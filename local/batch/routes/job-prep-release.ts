/** GET /jobs/{id}/jobpreparationandreleasetaskstatus: where a job's preparation and release tasks ran, and how. */
import type { Route } from "../http";
import type { Services } from "./services";

export function prepReleaseRoutes(s: Services): Route[] {
  return [
    {
      method: "GET",
      pattern: "/jobs/{jobId}/jobpreparationandreleasetaskstatus",
      handler: (req) => {
        const job = s.state.job(req.params.jobId!);
        const value = s.scheduler.prepRelease.statusList(job);
        return {
          status: 200,
          body: { "odata.metadata": `${s.config.baseUrl()}/$metadata#jobpreparationandreleasetaskstatuslist`, value },
        };
      },
    },
  ];
}
