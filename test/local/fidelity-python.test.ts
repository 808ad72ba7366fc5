import { describeFidelity } from "./clients/fidelity-suite";
import { pythonPocErrors, runPythonPoc } from "./clients/python-poc";

describeFidelity({
  name: "python",
  title: "the Python azure-batch SDK",
  runPoc: runPythonPoc,
  runErrors: pythonPocErrors,
});
