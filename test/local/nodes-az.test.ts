/**
 * Node operations driven by the Azure CLI as an operator runs them: `az batch node reboot`,
 * `az batch pool node-counts list` and `az batch pool supported-images list` against the local service.
 */
import { azCli, type AzCli } from "./clients/az-cli";
import { useLocalCloud } from "./clients/local-cloud-fixture";
import { POC_POOL } from "./clients/poc-outcome";
import { pollUntil } from "./service/fixture";

const connection = useLocalCloud("nodes-az");
let az: AzCli;

beforeAll(() => {
  az = azCli(connection());
});
afterAll(() => az.dispose());

interface Node {
  id: string;
  state: string;
  lastBootTime: string;
}

interface PoolNodeCounts {
  poolId: string;
  dedicated: Record<string, number>;
  lowPriority: Record<string, number>;
}

const idleNode = () =>
  pollUntil(
    "an idle node",
    async () => {
      const nodes = await az.json<Node[]>(["batch", "node", "list", "--pool-id", "az-nodes"]);
      return nodes.length === 1 && nodes[0]!.state === "idle" ? nodes[0] : undefined;
    },
    60_000,
    500,
  );

test("reboot a node and count the pool's nodes with az batch", async () => {
  await az.ok([
    "batch",
    "pool",
    "create",
    "--id",
    "az-nodes",
    "--vm-size",
    POC_POOL.vmSize,
    "--target-dedicated-nodes",
    "1",
    "--image",
    POC_POOL.imageUrn,
    "--node-agent-sku-id",
    POC_POOL.nodeAgentSkuId,
  ]);
  const before = await idleNode();

  await az.ok([
    "batch",
    "node",
    "reboot",
    "--pool-id",
    "az-nodes",
    "--node-id",
    before.id,
    "--node-reboot-option",
    "requeue",
  ]);
  const after = await idleNode();
  expect(after.id).toBe(before.id);
  expect(Date.parse(after.lastBootTime)).toBeGreaterThan(Date.parse(before.lastBootTime));

  const counts = await az.json<PoolNodeCounts[]>(["batch", "pool", "node-counts", "list"]);
  expect(counts).toEqual([
    expect.objectContaining({
      poolId: "az-nodes",
      dedicated: expect.objectContaining({ idle: 1, rebooting: 0, total: 1 }),
      lowPriority: expect.objectContaining({ total: 0 }),
    }),
  ]);

  const images = await az.json<
    { nodeAgentSkuId: string; imageReference: { publisher: string; offer: string; sku: string } }[]
  >(["batch", "pool", "supported-images", "list"]);
  const [publisher, offer, sku] = POC_POOL.imageUrn.split(":");
  expect(images).toContainEqual(
    expect.objectContaining({
      nodeAgentSkuId: POC_POOL.nodeAgentSkuId,
      imageReference: expect.objectContaining({ publisher, offer, sku }),
    }),
  );
}, 180_000);
