"""The classic Azure Batch proof of concept, driven by the Python azure-batch SDK.

Reads AZURE_BATCH_ENDPOINT, AZURE_BATCH_ACCOUNT and AZURE_BATCH_ACCESS_KEY (the variables
`npm run local` prints and the Azure CLI reads), runs pool -> job -> tasks -> files (`poc`) or the two
error cases (`errors`), and prints one JSON document on stdout with what the SDK returned (the `PocOutcome` or `PocErrors`
shape of poc-outcome.ts), so that the caller asserts on the client's own view of the service. Run with the Debian interpreter
(/usr/bin/python3), which is the one that has azure-batch.
"""
import argparse
import json
import os
import sys
import time

import azure.batch.models as batchmodels
from azure.batch import BatchServiceClient
from azure.batch.batch_auth import SharedKeyCredentials

def client_for(key):
    credentials = SharedKeyCredentials(os.environ["AZURE_BATCH_ACCOUNT"], key)
    return BatchServiceClient(credentials, batch_url=os.environ["AZURE_BATCH_ENDPOINT"])


def wait_for(what, probe, timeout_s, step_s=0.5):
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for " + what)
        time.sleep(step_s)


def error_of(call):
    """What the SDK reports for a refused request: status, Batch error code and message."""
    try:
        call()
    except batchmodels.BatchErrorException as e:
        return {
            "status": e.response.status_code,
            "code": e.error.code if e.error else None,
            "message": e.error.message.value if e.error and e.error.message else e.response.text,
        }
    raise AssertionError("the request was expected to fail but succeeded")


def run(args):
    client = client_for(os.environ["AZURE_BATCH_ACCESS_KEY"])
    out = {}

    publisher, offer, sku = args.image.split(":")
    client.pool.add(batchmodels.PoolAddParameter(
        id=args.pool_id,
        vm_size=args.vm_size,
        target_dedicated_nodes=args.nodes,
        virtual_machine_configuration=batchmodels.VirtualMachineConfiguration(
            image_reference=batchmodels.ImageReference(
                publisher=publisher, offer=offer, sku=sku, version="latest"),
            node_agent_sku_id=args.node_agent_sku_id),
    ))

    def pool_ready():
        pool = client.pool.get(args.pool_id)
        if pool.allocation_state != batchmodels.AllocationState.steady:
            return None
        nodes = list(client.compute_node.list(args.pool_id))
        idle = [n for n in nodes if n.state == batchmodels.ComputeNodeState.idle]
        return (pool, nodes) if len(idle) == args.nodes else None

    pool, nodes = wait_for("pool steady with idle nodes", pool_ready, args.timeout)
    out["allocationState"] = pool.allocation_state.value
    out["nodeIds"] = [n.id for n in nodes]

    client.job.add(batchmodels.JobAddParameter(
        id=args.job_id, pool_info=batchmodels.PoolInformation(pool_id=args.pool_id)))
    task_ids = args.task_ids.split(",")
    added = client.task.add_collection(args.job_id, [
        batchmodels.TaskAddParameter(id=t, command_line=args.command_line) for t in task_ids])
    failed = [r.task_id for r in added.value if r.status != batchmodels.TaskAddStatus.success]
    if failed:
        raise AssertionError("tasks not added: %s" % failed)

    def all_completed():
        tasks = list(client.task.list(args.job_id))
        done = [t for t in tasks if t.state == batchmodels.TaskState.completed]
        return tasks if len(done) == len(task_ids) else None

    tasks = wait_for("tasks completed", all_completed, args.timeout)
    out["tasks"] = [{"id": t.id, "state": t.state.value,
                     "exitCode": t.execution_info.exit_code if t.execution_info else None,
                     "nodeId": t.node_info.node_id if t.node_info else None} for t in tasks]

    shown = client.task.get(args.job_id, task_ids[0])
    out["shown"] = {"id": shown.id, "state": shown.state.value,
                    "commandLine": shown.command_line,
                    "exitCode": shown.execution_info.exit_code}
    out["files"] = list(f.name for f in client.file.list_from_task(
        args.job_id, task_ids[0], recursive=True) if not f.is_directory)
    out["stdout"] = {t: b"".join(client.file.get_from_task(args.job_id, t, "stdout.txt")).decode()
                     for t in task_ids}

    client.job.delete(args.job_id)
    client.pool.delete(args.pool_id)
    return out


def errors(args):
    client = client_for(os.environ["AZURE_BATCH_ACCESS_KEY"])
    wrong_key = client_for(args.wrong_key)
    return {
        "missingJob": error_of(lambda: client.job.get("no-such-" + args.job_id)),
        "wrongKey": error_of(lambda: wrong_key.job.get(args.job_id)),
    }


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    poc = commands.add_parser("poc", help="pool, job, tasks, files; prints a PocOutcome")
    poc.add_argument("--pool-id", required=True)
    poc.add_argument("--job-id", required=True)
    poc.add_argument("--nodes", type=int, required=True)
    poc.add_argument("--vm-size", required=True)
    poc.add_argument("--image", required=True, help="publisher:offer:sku")
    poc.add_argument("--node-agent-sku-id", required=True)
    poc.add_argument("--command-line", required=True)
    poc.add_argument("--task-ids", required=True, help="comma-separated")
    poc.add_argument("--timeout", type=float, default=60, help="seconds per wait")
    refused = commands.add_parser("errors", help="a missing job and a wrong key; prints PocErrors")
    refused.add_argument("--job-id", required=True)
    refused.add_argument("--wrong-key", required=True, help="base64 key that is not the account's")
    args = parser.parse_args()
    try:
        result = run(args) if args.command == "poc" else errors(args)
    except (batchmodels.BatchErrorException, AssertionError, TimeoutError) as e:
        print("%s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
