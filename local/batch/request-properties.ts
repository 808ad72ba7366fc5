/**
 * The properties each operation's request body may carry, declared in one place: what the local
 * service honours (`accepted`), what Batch has but this service cannot honour (`notHere`, a 501),
 * and, by omission, what is not a Batch property of that body at all (a 400). Nothing a client
 * sends is stored without being one of these, so a typo or an unsupported feature is found at
 * once instead of on Azure. Properties and their nesting follow the 2025-06-01 data-plane spec
 * (plus cloudServiceConfiguration and applicationLicenses, which the older API versions accepted
 * here still carry); null stands for absent, and an empty list for a `notHere` property asks for
 * nothing (updateproperties must send `certificateReferences: []`).
 */
import { batchError, notSupportedLocally } from "./errors";
import type { Body } from "./validate";

interface Shape {
  accepted: readonly string[];
  notHere?: readonly string[];
  /** Objects whose own properties are checked too, by property name (lists: each item). */
  nested?: Readonly<Record<string, Shape>>;
}

/** A named user would come from the pool's userAccounts, which this service does not create. */
const USER_IDENTITY: Shape = {
  accepted: ["autoUser"],
  notHere: ["username"],
  nested: { autoUser: { accepted: ["scope", "elevationLevel"] } },
};
const NAME_VALUE: Shape = { accepted: ["name", "value"] };

const START_TASK: Shape = {
  accepted: [
    "commandLine",
    "resourceFiles",
    "environmentSettings",
    "userIdentity",
    "maxTaskRetryCount",
    "waitForSuccess",
  ],
  notHere: ["containerSettings"],
  nested: { userIdentity: USER_IDENTITY, environmentSettings: NAME_VALUE },
};

const VM_CONFIGURATION: Shape = {
  accepted: ["imageReference", "nodeAgentSKUId"],
  notHere: [
    "containerConfiguration",
    "windowsConfiguration",
    "dataDisks",
    "licenseType",
    "diskEncryptionConfiguration",
    "nodePlacementConfiguration",
    "extensions",
    "osDisk",
    "securityProfile",
    "serviceArtifactReference",
  ],
  nested: {
    imageReference: {
      accepted: ["publisher", "offer", "sku", "version", "virtualMachineImageId"],
      notHere: ["sharedGalleryImageId", "communityGalleryImageId"],
    },
  },
};

const TASK_CONSTRAINTS: Shape = { accepted: ["maxWallClockTime", "retentionTime", "maxTaskRetryCount"] };
/** What a job's special tasks share with a task: containers and token settings stay 501 here too. */
const SPECIAL_TASK_NESTED = {
  constraints: TASK_CONSTRAINTS,
  userIdentity: USER_IDENTITY,
  environmentSettings: NAME_VALUE,
};
const JOB_MANAGER_TASK: Shape = {
  accepted: [
    "id",
    "displayName",
    "commandLine",
    "resourceFiles",
    "outputFiles",
    "environmentSettings",
    "constraints",
    "requiredSlots",
    "killJobOnCompletion",
    "userIdentity",
    "runExclusive",
    "applicationPackageReferences",
    "allowLowPriorityNode",
  ],
  notHere: ["containerSettings", "authenticationTokenSettings"],
  nested: SPECIAL_TASK_NESTED,
};
/** rerunOnNodeRebootAfterSuccess: a rebooted node's preparation record is cleared, so it reruns. */
const JOB_PREPARATION_TASK: Shape = {
  accepted: [
    "id",
    "commandLine",
    "resourceFiles",
    "environmentSettings",
    "constraints",
    "waitForSuccess",
    "userIdentity",
    "rerunOnNodeRebootAfterSuccess",
  ],
  notHere: ["containerSettings"],
  nested: SPECIAL_TASK_NESTED,
};
const JOB_RELEASE_TASK: Shape = {
  accepted: [
    "id",
    "commandLine",
    "resourceFiles",
    "environmentSettings",
    "maxWallClockTime",
    "retentionTime",
    "userIdentity",
  ],
  notHere: ["containerSettings"],
  nested: { userIdentity: USER_IDENTITY, environmentSettings: NAME_VALUE },
};

const JOB_CONSTRAINTS: Shape = { accepted: ["maxWallClockTime", "maxTaskRetryCount"] };
const POOL_INFO: Shape = { accepted: ["poolId"], notHere: ["autoPoolSpecification"] };
const JOB_CHANGE: Shape = {
  accepted: [
    "priority",
    "allowTaskPreemption",
    "maxParallelTasks",
    "constraints",
    "poolInfo",
    "onAllTasksComplete",
    "metadata",
  ],
  notHere: ["networkConfiguration"],
  nested: { constraints: JOB_CONSTRAINTS, poolInfo: POOL_INFO, metadata: NAME_VALUE },
};

const JOB_ADD_ACCEPTED = [
  "displayName",
  "usesTaskDependencies",
  "commonEnvironmentSettings",
  "onTaskFailure",
  "jobPreparationTask",
  "jobReleaseTask",
  ...JOB_CHANGE.accepted,
];
const JOB_ADD_NESTED = {
  ...JOB_CHANGE.nested,
  commonEnvironmentSettings: NAME_VALUE,
  jobPreparationTask: JOB_PREPARATION_TASK,
  jobReleaseTask: JOB_RELEASE_TASK,
};

/** A schedule's jobs are added as a job is, but without a job manager task (not run in schedules here). */
const JOB_SPECIFICATION: Shape = {
  accepted: JOB_ADD_ACCEPTED,
  notHere: ["jobManagerTask", ...JOB_CHANGE.notHere!],
  nested: JOB_ADD_NESTED,
};
const SCHEDULE: Shape = { accepted: ["doNotRunUntil", "doNotRunAfter", "startWindow", "recurrenceInterval"] };
const JOB_SCHEDULE_CHANGE: Shape = {
  accepted: ["schedule", "jobSpecification", "metadata"],
  nested: { schedule: SCHEDULE, jobSpecification: JOB_SPECIFICATION, metadata: NAME_VALUE },
};

/** By operation: the body's owner (as 501 messages name it) and its shape. */
const OPERATIONS = {
  "pool add": {
    owner: "pool",
    shape: {
      accepted: [
        "id",
        "displayName",
        "vmSize",
        "virtualMachineConfiguration",
        "resizeTimeout",
        "resourceTags",
        "targetDedicatedNodes",
        "targetLowPriorityNodes",
        "enableAutoScale",
        "autoScaleFormula",
        "autoScaleEvaluationInterval",
        "enableInterNodeCommunication",
        "startTask",
        "applicationPackageReferences",
        "taskSlotsPerNode",
        "taskSchedulingPolicy",
        "metadata",
        "targetNodeCommunicationMode",
      ],
      notHere: [
        "cloudServiceConfiguration",
        "networkConfiguration",
        "certificateReferences",
        "userAccounts",
        "mountConfiguration",
        "upgradePolicy",
        "applicationLicenses",
      ],
      nested: {
        virtualMachineConfiguration: VM_CONFIGURATION,
        startTask: START_TASK,
        taskSchedulingPolicy: { accepted: ["nodeFillType"] },
        metadata: NAME_VALUE,
      },
    },
  },
  "pool patch": {
    owner: "pool",
    shape: {
      accepted: ["startTask", "applicationPackageReferences", "metadata"],
      // Since 2024 Batch also patches these on a pool without nodes; here a pool's shape is fixed once added.
      notHere: [
        "certificateReferences",
        "targetNodeCommunicationMode",
        "displayName",
        "vmSize",
        "enableInterNodeCommunication",
        "virtualMachineConfiguration",
        "taskSlotsPerNode",
        "taskSchedulingPolicy",
        "networkConfiguration",
        "resourceTags",
        "userAccounts",
        "mountConfiguration",
        "upgradePolicy",
      ],
      nested: { startTask: START_TASK, metadata: NAME_VALUE },
    },
  },
  "pool updateproperties": {
    owner: "pool",
    shape: {
      accepted: ["startTask", "applicationPackageReferences", "metadata"],
      notHere: ["certificateReferences", "targetNodeCommunicationMode"],
      nested: { startTask: START_TASK, metadata: NAME_VALUE },
    },
  },
  "pool resize": {
    owner: "pool",
    shape: { accepted: ["targetDedicatedNodes", "targetLowPriorityNodes", "resizeTimeout", "nodeDeallocationOption"] },
  },
  "pool enableautoscale": { owner: "pool", shape: { accepted: ["autoScaleFormula", "autoScaleEvaluationInterval"] } },
  "pool evaluateautoscale": { owner: "pool", shape: { accepted: ["autoScaleFormula"] } },
  "pool removenodes": { owner: "pool", shape: { accepted: ["nodeList", "resizeTimeout", "nodeDeallocationOption"] } },
  "node reboot": { owner: "node", shape: { accepted: ["nodeRebootOption"] } },
  "node reimage": { owner: "node", shape: { accepted: ["nodeReimageOption"] } },
  "node disablescheduling": { owner: "node", shape: { accepted: ["nodeDisableSchedulingOption"] } },
  "node uploadbatchservicelogs": {
    owner: "node",
    shape: {
      accepted: ["containerUrl", "startTime", "endTime", "identityReference"],
      nested: { identityReference: { accepted: ["resourceId"] } },
    },
  },
  "job add": {
    owner: "job",
    shape: {
      accepted: ["id", "jobManagerTask", ...JOB_ADD_ACCEPTED],
      notHere: JOB_CHANGE.notHere,
      nested: { ...JOB_ADD_NESTED, jobManagerTask: JOB_MANAGER_TASK },
    },
  },
  "job patch": { owner: "job", shape: JOB_CHANGE },
  "job update": { owner: "job", shape: JOB_CHANGE },
  "job disable": { owner: "job", shape: { accepted: ["disableTasks"] } },
  "job terminate": { owner: "job", shape: { accepted: ["terminateReason"] } },
  "task add": {
    owner: "task",
    shape: {
      accepted: [
        "id",
        "displayName",
        "commandLine",
        "exitConditions",
        "resourceFiles",
        "outputFiles",
        "environmentSettings",
        "affinityInfo",
        "constraints",
        "requiredSlots",
        "userIdentity",
        "applicationPackageReferences",
        "dependsOn",
        "multiInstanceSettings",
      ],
      notHere: ["containerSettings", "authenticationTokenSettings"],
      nested: {
        constraints: TASK_CONSTRAINTS,
        userIdentity: USER_IDENTITY,
        environmentSettings: NAME_VALUE,
        dependsOn: { accepted: ["taskIds", "taskIdRanges"] },
        multiInstanceSettings: { accepted: ["numberOfInstances", "coordinationCommandLine", "commonResourceFiles"] },
      },
    },
  },
  "job schedule add": {
    owner: "jobSchedule",
    shape: { ...JOB_SCHEDULE_CHANGE, accepted: ["id", "displayName", ...JOB_SCHEDULE_CHANGE.accepted] },
  },
  "job schedule patch": { owner: "jobSchedule", shape: JOB_SCHEDULE_CHANGE },
  "job schedule update": { owner: "jobSchedule", shape: JOB_SCHEDULE_CHANGE },
  "task update": { owner: "task", shape: { accepted: ["constraints"], nested: { constraints: TASK_CONSTRAINTS } } },
} as const satisfies Record<string, { owner: string; shape: Shape }>;

export type Operation = keyof typeof OPERATIONS;

const isObject = (v: unknown): v is Body => v !== null && typeof v === "object" && !Array.isArray(v);
const asksForNothing = (v: unknown) => v === null || v === undefined || (Array.isArray(v) && v.length === 0);

function check(body: Body, shape: Shape, path: string): void {
  for (const [name, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    const where = `${path}.${name}`;
    if (shape.notHere?.includes(name)) {
      if (asksForNothing(value)) continue;
      throw notSupportedLocally(where);
    }
    if (!shape.accepted.includes(name)) {
      throw batchError("InvalidRequestBody", {
        PropertyName: where.slice(where.indexOf(".") + 1),
        Reason: `The property '${name}' is not a property of this request's ${path}.`,
      });
    }
    const inner = shape.nested?.[name];
    if (!inner) continue;
    for (const item of Array.isArray(value) ? value : [value]) if (isObject(item)) check(item, inner, where);
  }
}

/** Refuses a property the operation does not take (400) or takes on Batch but not here (501). */
export function checkProperties(body: Body, operation: Operation): void {
  const { owner, shape } = OPERATIONS[operation];
  check(body, shape, owner);
}
