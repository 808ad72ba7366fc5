/**
 * Operations on compute nodes (REST 2025-06-01): reboot, reimage, disable and enable task
 * scheduling, upload Batch service logs, remove nodes from a pool; node users are refused.
 */
import { batchError, invalidProperty, missingProperty, notFound, notSupportedLocally } from "../errors";
import type { BatchRequest, Route } from "../http";
import type { ComputeNode } from "../model";
import { uploadServiceLogs } from "../node-log-upload";
import { NODE_DISABLE_SCHEDULING_OPTIONS, NODE_REBOOT_OPTIONS, NodeOperations } from "../node-operations";
import { NODE_DEALLOCATION } from "../node-removal";
import { refuseUnlessAllowed } from "../node-states";
import { changed } from "../replies";
import { checkProperties } from "../request-properties";
import { touch } from "../state";
import { asBody, optionalDuration, optionalEnum, requireString, type Body } from "../validate";
import type { Services } from "./services";

/** Batch's limit on nodes per remove-nodes request. */
const MAX_NODES_PER_REMOVAL = 100;

/** These operations take an empty body, or none, for their defaults. */
const optionalBody = (req: BatchRequest): Body => (req.body === undefined ? {} : asBody(req.body));

function requireTime(body: Body, name: string, required: boolean): Date | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw missingProperty(name);
    return undefined;
  }
  const time = typeof v === "string" ? new Date(v) : undefined;
  if (!time || Number.isNaN(time.getTime())) throw invalidProperty(name, v, "must be an ISO 8601 date and time");
  return time;
}

function nodeList(body: Body): string[] {
  const list = body.nodeList;
  if (list === undefined || list === null) throw missingProperty("nodeList");
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.length > MAX_NODES_PER_REMOVAL ||
    !list.every((id) => typeof id === "string")
  ) {
    throw invalidProperty("nodeList", list, `must list 1 to ${MAX_NODES_PER_REMOVAL} node ids`);
  }
  return [...new Set(list as string[])];
}

export function nodeOperationRoutes(s: Services): Route[] {
  const ops = new NodeOperations(s.fleet, s.scheduler, s.config.log, () => s.state.jobs.values());
  const nodeOf = (req: BatchRequest) => ({
    pool: s.state.pool(req.params.poolId!),
    node: s.state.node(req.params.poolId!, req.params.nodeId!),
  });
  /** Reboot and reimage take the same options (requeue by default), each under its own name. */
  const restartRoute = (how: "reboot" | "reimage", optionName: string): Route => ({
    method: "POST",
    pattern: `/pools/{poolId}/nodes/{nodeId}/${how}`,
    handler: (req) => {
      const { pool, node } = nodeOf(req);
      const body = optionalBody(req);
      checkProperties(body, `node ${how}`);
      ops.restart(pool, node, how, optionalEnum(body, optionName, NODE_REBOOT_OPTIONS) ?? "requeue");
      return changed(202, node.url);
    },
  });
  const done = (node: ComputeNode) => changed(200, node.url);
  const nodeUsers = () => {
    throw notSupportedLocally(
      "node users: local nodes run every task as the service's own OS user, and an account added for remote login (SSH) would need root on this machine and give a login to it",
    );
  };

  return [
    restartRoute("reboot", "nodeRebootOption"),
    restartRoute("reimage", "nodeReimageOption"),
    {
      method: "POST",
      pattern: "/pools/{poolId}/nodes/{nodeId}/disablescheduling",
      handler: (req) => {
        const { node } = nodeOf(req);
        const body = optionalBody(req);
        checkProperties(body, "node disablescheduling");
        ops.disableScheduling(
          node,
          optionalEnum(body, "nodeDisableSchedulingOption", NODE_DISABLE_SCHEDULING_OPTIONS) ?? "requeue",
        );
        return done(node);
      },
    },
    {
      method: "POST",
      pattern: "/pools/{poolId}/nodes/{nodeId}/enablescheduling",
      handler: (req) => {
        const { node } = nodeOf(req);
        ops.enableScheduling(node);
        return done(node);
      },
    },
    {
      method: "POST",
      pattern: "/pools/{poolId}/nodes/{nodeId}/uploadbatchservicelogs",
      handler: async (req) => {
        const { pool, node } = nodeOf(req);
        refuseUnlessAllowed(node, "uploadbatchservicelogs");
        const body = asBody(req.body);
        checkProperties(body, "node uploadbatchservicelogs");
        const containerUrl = requireString(body, "containerUrl");
        if (!URL.canParse(containerUrl))
          throw invalidProperty("containerUrl", "(not a URL)", "must be the URL of a blob container");
        const startTime = requireTime(body, "startTime", true)!;
        const endTime = requireTime(body, "endTime", false) ?? new Date();
        const text = s.fleet.serviceLog.between(node.id, startTime, endTime);
        const result = await uploadServiceLogs({
          text,
          containerUrl,
          identityReference: body.identityReference as never,
          storage: s.config.storage,
          poolId: pool.id,
          nodeId: node.id,
        });
        return {
          status: 200,
          body: {
            "odata.metadata": `${s.config.baseUrl()}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.UploadBatchServiceLogsResult`,
            ...result,
          },
        };
      },
    },
    { method: "POST", pattern: "/pools/{poolId}/nodes/{nodeId}/users", handler: nodeUsers },
    { method: "PUT", pattern: "/pools/{poolId}/nodes/{nodeId}/users/{userName}", handler: nodeUsers },
    { method: "DELETE", pattern: "/pools/{poolId}/nodes/{nodeId}/users/{userName}", handler: nodeUsers },
    {
      method: "POST",
      pattern: "/pools/{poolId}/removenodes",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        if (pool.state === "deleting") throw batchError("PoolBeingDeleted");
        if (pool.allocationState !== "steady") throw batchError("PoolBeingResized");
        const body = asBody(req.body);
        checkProperties(body, "pool removenodes");
        const ids = nodeList(body);
        optionalDuration(body, "resizeTimeout");
        const option = optionalEnum(body, "nodeDeallocationOption", NODE_DEALLOCATION) ?? "requeue";
        const nodes = ids.map((id) => {
          const node = s.state.poolNodes(pool.id).get(id);
          if (!node) throw notFound("node");
          refuseUnlessAllowed(node, "remove");
          return node;
        });
        for (const node of nodes) {
          if (node.isDedicated) pool.targetDedicatedNodes -= 1;
          else pool.targetLowPriorityNodes -= 1;
        }
        touch(pool);
        s.fleet.removeNodes(pool, nodes, (n) => s.removal.removeNode(pool, n, option));
        return changed(202, pool.url, pool);
      },
    },
  ];
}
