import { describeFidelity } from "./clients/fidelity-suite";
import { nodePocErrors, runNodePoc } from "./clients/node-poc";

describeFidelity({ name: "node", title: "@azure/batch 10.2.0", runPoc: runNodePoc, runErrors: nodePocErrors });
