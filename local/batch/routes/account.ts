/** Account-wide lists: node counts per pool and the supported images. */
import type { Route } from "../http";
import { poolNodeCounts } from "../node-counts";
import { listReply } from "../replies";
import { SUPPORTED_IMAGES } from "../supported-images";
import type { Services } from "./services";

export function accountRoutes(s: Services): Route[] {
  const base = () => s.config.baseUrl();
  return [
    {
      method: "GET",
      pattern: "/nodecounts",
      handler: (req) =>
        listReply(
          base(),
          "nodecounts",
          [...s.state.pools.values()].map((p) => poolNodeCounts(p.id, s.state.poolNodes(p.id).values())),
          req,
          false,
        ),
    },
    {
      method: "GET",
      pattern: "/supportedimages",
      handler: (req) => listReply(base(), "supportedimages", SUPPORTED_IMAGES, req, false),
    },
  ];
}
