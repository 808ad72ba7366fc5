/** Pools: add, get, exists, list, delete, patch, update properties, resize, autoscale switches. */
import { acceptedFormula, acceptedInterval, DEFAULT_EVALUATION_INTERVAL } from "../autoscale-settings";
import { inBackground } from "../background";
import { batchError, exists, invalidProperty, missingProperty } from "../errors";
import type { Route } from "../http";
import { imageReferenceWithDefaults, startTaskWithDefaults } from "../azure-defaults";
import type { ApplicationPackageReference, ImageReference, NodeFillType, Pool, StartTask } from "../model";
import { NODE_DEALLOCATION } from "../node-removal";
import { changed, checkConditions, created, entityReply, listReply } from "../replies";
import { checkSupportedImage } from "../supported-images";
import { key, newETag, now, touch } from "../state";
import { checkResourceFiles } from "../task-file-rules";
import { checkProperties } from "../request-properties";
import { asBody, optionalDuration, optionalEnum, optionalInt, requireId, requireString, type Body } from "../validate";
import { maxTaskSlots, vmCores } from "../vm-sizes";
import type { Services } from "./services";

function startTaskOf(body: Body): StartTask | undefined {
  const st = body.startTask as Body | undefined;
  if (st === undefined || st === null) return undefined;
  requireString(st, "commandLine");
  checkResourceFiles(st);
  return startTaskWithDefaults(st as unknown as StartTask);
}

/** The pool's VM configuration as Azure keeps it; only Marketplace images exist here, so no custom image id is known. */
function vmConfigurationOf(vmc: Body): NonNullable<Pool["virtualMachineConfiguration"]> {
  const image = vmc.imageReference as ImageReference | undefined;
  if (!image) throw missingProperty("virtualMachineConfiguration.imageReference");
  if (image.virtualMachineImageId !== undefined) {
    throw invalidProperty(
      "virtualMachineConfiguration.imageReference.virtualMachineImageId",
      image.virtualMachineImageId,
      "no such image: the local Batch service runs Marketplace images only",
    );
  }
  return {
    ...(vmc as NonNullable<Pool["virtualMachineConfiguration"]>),
    imageReference: imageReferenceWithDefaults(image),
  };
}

function packageRefs(s: Services, body: Body): ApplicationPackageReference[] | undefined {
  const refs = body.applicationPackageReferences as ApplicationPackageReference[] | undefined;
  for (const ref of refs ?? []) s.state.applicationPackage(ref.applicationId, ref.version);
  return refs;
}

function nodeCount(body: Body, name: string): number {
  return optionalInt(body, name, 0, 1000) ?? 0;
}

export function poolRoutes(s: Services): Route[] {
  const base = () => s.config.baseUrl();

  const { removal, autoscaler } = s;

  const add = (req: Parameters<Route["handler"]>[0]) => {
    const body = asBody(req.body);
    const id = requireId(body);
    const vmSize = requireString(body, "vmSize");
    checkProperties(body, "pool add");
    const vmc = body.virtualMachineConfiguration as Body | undefined;
    if (!vmc) throw missingProperty("virtualMachineConfiguration");
    const nodeAgentSKUId = requireString(vmc, "nodeAgentSKUId");
    // A custom image id is refused first (no such image here), then a marketplace image the list lacks.
    const virtualMachineConfiguration = vmConfigurationOf(vmc);
    checkSupportedImage(virtualMachineConfiguration.imageReference, nodeAgentSKUId);
    if (s.state.pools.has(key(id))) throw exists("pool");
    if (vmCores(vmSize) === undefined)
      throw invalidProperty(
        "vmSize",
        vmSize,
        "not a VM size this service knows (its name carries no vCPU count, as Azure sizes do)",
      );
    const slots = optionalInt(body, "taskSlotsPerNode", 1, maxTaskSlots(vmSize)) ?? 1;
    const fill = (optionalEnum((body.taskSchedulingPolicy as Body) ?? {}, "nodeFillType", [
      "spread",
      "pack",
    ] as const) ?? "spread") as NodeFillType;
    const autoScale = body.enableAutoScale === true;
    if (autoScale && (body.targetDedicatedNodes !== undefined || body.targetLowPriorityNodes !== undefined)) {
      throw invalidProperty(
        "targetDedicatedNodes",
        body.targetDedicatedNodes,
        "cannot be set when enableAutoScale is true",
      );
    }
    const formula = autoScale ? acceptedFormula(requireString(body, "autoScaleFormula")) : undefined;
    const interval = autoScale ? (acceptedInterval(body) ?? DEFAULT_EVALUATION_INTERVAL) : undefined;
    const resizeTimeout = optionalDuration(body, "resizeTimeout");
    const startTask = startTaskOf(body);
    packageRefs(s, body);
    const t = now();
    const pool: Pool = {
      ...(body as unknown as Pool),
      id,
      url: `${base()}/pools/${id}`,
      eTag: newETag(),
      lastModified: t,
      creationTime: t,
      state: "active",
      stateTransitionTime: t,
      allocationState: "steady",
      allocationStateTransitionTime: t,
      vmSize,
      virtualMachineConfiguration,
      enableInterNodeCommunication: body.enableInterNodeCommunication === true,
      ...(startTask ? { startTask } : {}),
      currentDedicatedNodes: 0,
      currentLowPriorityNodes: 0,
      targetDedicatedNodes: autoScale ? 0 : nodeCount(body, "targetDedicatedNodes"),
      targetLowPriorityNodes: autoScale ? 0 : nodeCount(body, "targetLowPriorityNodes"),
      enableAutoScale: autoScale,
      taskSlotsPerNode: slots,
      taskSchedulingPolicy: { nodeFillType: fill },
      resizeTimeout: resizeTimeout ?? "PT15M",
      ...(autoScale ? { autoScaleFormula: formula, autoScaleEvaluationInterval: interval } : {}),
    };
    s.state.pools.set(key(id), pool);
    // An autoscale pool's first run sizes it; a fixed one starts at its targets.
    if (autoScale) autoscaler.enable(pool);
    else s.fleet.resize(pool, (n) => removal.removeNode(pool, n, "requeue"));
    return created(pool.url, pool);
  };

  return [
    { method: "POST", pattern: "/pools", handler: add },
    { method: "GET", pattern: "/pools", handler: (req) => listReply(base(), "pools", s.state.pools.values(), req) },
    {
      method: "GET",
      pattern: "/pools/{poolId}",
      handler: (req) => entityReply(base(), "pools", s.state.pool(req.params.poolId!), req),
    },
    {
      method: "HEAD",
      pattern: "/pools/{poolId}",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        checkConditions(req, pool, true);
        return {
          status: 200,
          headers: { ETag: pool.eTag, "Last-Modified": new Date(pool.lastModified).toUTCString() },
        };
      },
    },
    {
      method: "DELETE",
      pattern: "/pools/{poolId}",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        checkConditions(req, pool, false);
        if (removal.isDeleting(pool)) throw batchError("PoolBeingDeleted");
        if (pool.state !== "deleting") {
          pool.state = "deleting";
          pool.stateTransitionTime = now();
          touch(pool);
        }
        // Starts the deletion, or joins the one running, or retries one that left files behind.
        inBackground(removal.deletePool(pool), `pool ${pool.id}: delete`, s.config.log);
        return changed(202, pool.url);
      },
    },
    {
      method: "PATCH",
      pattern: "/pools/{poolId}",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        checkConditions(req, pool, false);
        const body = asBody(req.body);
        checkProperties(body, "pool patch");
        if ("startTask" in body) pool.startTask = startTaskOf(body);
        if ("applicationPackageReferences" in body) pool.applicationPackageReferences = packageRefs(s, body);
        if ("metadata" in body) pool.metadata = body.metadata as Pool["metadata"];
        touch(pool);
        return changed(200, pool.url, pool);
      },
    },
    {
      method: "POST",
      pattern: "/pools/{poolId}/updateproperties",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        checkConditions(req, pool, false);
        const body = asBody(req.body);
        checkProperties(body, "pool updateproperties");
        for (const name of ["applicationPackageReferences", "metadata", "certificateReferences"]) {
          if (!(name in body)) throw missingProperty(name);
        }
        const startTask = startTaskOf(body);
        if (startTask) pool.startTask = startTask;
        else delete pool.startTask;
        pool.applicationPackageReferences = packageRefs(s, body);
        pool.metadata = body.metadata as Pool["metadata"];
        touch(pool);
        return changed(204, pool.url, pool);
      },
    },
    {
      method: "POST",
      pattern: "/pools/{poolId}/resize",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        checkConditions(req, pool, false);
        if (pool.state === "deleting") throw batchError("PoolBeingDeleted");
        if (pool.enableAutoScale) throw batchError("AutoScalingEnabled");
        if (pool.allocationState !== "steady") throw batchError("PoolBeingResized");
        const body = asBody(req.body);
        checkProperties(body, "pool resize");
        const option = optionalEnum(body, "nodeDeallocationOption", NODE_DEALLOCATION) ?? "requeue";
        optionalDuration(body, "resizeTimeout");
        if ("targetDedicatedNodes" in body) pool.targetDedicatedNodes = nodeCount(body, "targetDedicatedNodes");
        if ("targetLowPriorityNodes" in body) pool.targetLowPriorityNodes = nodeCount(body, "targetLowPriorityNodes");
        touch(pool);
        s.fleet.resize(pool, (n) => removal.removeNode(pool, n, option));
        return changed(202, pool.url, pool);
      },
    },
    {
      method: "POST",
      pattern: "/pools/{poolId}/stopresize",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        checkConditions(req, pool, false);
        // Local nodes come and go within a second: a resize has always finished, as after a stop.
        pool.targetDedicatedNodes = pool.currentDedicatedNodes;
        pool.targetLowPriorityNodes = pool.currentLowPriorityNodes;
        touch(pool);
        return changed(202, pool.url, pool);
      },
    },
    {
      method: "POST",
      pattern: "/pools/{poolId}/enableautoscale",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        checkConditions(req, pool, false);
        const body = asBody(req.body);
        checkProperties(body, "pool enableautoscale");
        const given = body.autoScaleFormula as string | undefined;
        // An enabled pool may change only its interval; a pool enabling autoscale needs a formula.
        const formula = given === undefined ? pool.autoScaleFormula : acceptedFormula(given);
        if (!formula || (!pool.enableAutoScale && given === undefined)) {
          throw missingProperty("autoScaleFormula");
        }
        const interval = acceptedInterval(body);
        // Counted once the request is valid: a refused formula is not an enable request granted.
        if (!autoscaler.grantEnableRequest(pool)) throw batchError("AutoScaleTooManyRequestsToEnable");
        pool.enableAutoScale = true;
        pool.autoScaleFormula = formula;
        pool.autoScaleEvaluationInterval = interval ?? pool.autoScaleEvaluationInterval ?? DEFAULT_EVALUATION_INTERVAL;
        touch(pool);
        autoscaler.enable(pool);
        return changed(200, pool.url, pool);
      },
    },
    {
      method: "POST",
      pattern: "/pools/{poolId}/disableautoscale",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        autoscaler.disable(pool);
        pool.enableAutoScale = false;
        delete pool.autoScaleFormula;
        delete pool.autoScaleEvaluationInterval;
        delete pool.autoScaleRun;
        touch(pool);
        return changed(200, pool.url, pool);
      },
    },
    {
      method: "POST",
      pattern: "/pools/{poolId}/evaluateautoscale",
      handler: (req) => {
        const pool = s.state.pool(req.params.poolId!);
        if (!pool.enableAutoScale) {
          throw batchError("OperationInvalidForCurrentState", {
            Reason: "The pool must have auto scaling enabled to evaluate a formula.",
          });
        }
        const body = asBody(req.body);
        checkProperties(body, "pool evaluateautoscale");
        const formula = acceptedFormula(requireString(body, "autoScaleFormula"));
        const { results, error } = autoscaler.evaluate(pool, formula);
        const run = { timestamp: now(), results, ...(error ? { error } : {}) };
        return {
          status: 200,
          body: {
            "odata.metadata": `${base()}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.AutoScaleRun`,
            ...run,
          },
        };
      },
    },
  ];
}
