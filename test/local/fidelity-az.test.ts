import { azPocErrors, runAzPoc } from "./clients/az-poc";
import { describeFidelity } from "./clients/fidelity-suite";

describeFidelity({ name: "az", title: "the Azure CLI (az batch)", runPoc: runAzPoc, runErrors: azPocErrors });
