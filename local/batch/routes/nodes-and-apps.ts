/** Compute nodes (list, get) and applications (list, get). */
import { notFound } from "../errors";
import type { Route } from "../http";
import type { Application, ComputeNode } from "../model";
import { listReply } from "../replies";
import { applySelect } from "../odata";
import { key } from "../state";
import type { Services } from "./services";

/** A node as Batch describes it, without what only this service keeps about it. */
function asSent({ preemptedUntil: _, ...node }: ComputeNode): Omit<ComputeNode, "preemptedUntil"> {
  return node;
}

export function nodeAndApplicationRoutes(s: Services): Route[] {
  const base = () => s.config.baseUrl();
  const applications = (): Application[] =>
    [...s.state.applications.values()].map((a) => ({ id: a.id, displayName: a.id, versions: [...a.versions.keys()] }));

  return [
    {
      method: "GET",
      pattern: "/pools/{poolId}/nodes",
      handler: (req) =>
        listReply(
          base(),
          `pools/${req.params.poolId}/nodes`,
          s.state.poolNodes(s.state.pool(req.params.poolId!).id).values(),
          req,
          true,
          asSent,
        ),
    },
    {
      method: "GET",
      pattern: "/pools/{poolId}/nodes/{nodeId}",
      handler: (req) => {
        const node = s.state.node(req.params.poolId!, req.params.nodeId!);
        return {
          status: 200,
          body: {
            "odata.metadata": `${base()}/$metadata#pools/${req.params.poolId}/nodes/@Element`,
            ...applySelect(asSent(node), req.query.get("$select")),
          },
        };
      },
    },
    {
      method: "GET",
      pattern: "/applications",
      handler: (req) => listReply(base(), "applications", applications(), req, false),
    },
    {
      method: "GET",
      pattern: "/applications/{applicationId}",
      handler: (req) => {
        const app = applications().find((a) => key(a.id) === key(req.params.applicationId!));
        if (!app) throw notFound("application");
        return { status: 200, body: { "odata.metadata": `${base()}/$metadata#applications/@Element`, ...app } };
      },
    },
  ];
}
