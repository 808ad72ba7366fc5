import { retryWhileRolesPropagate, type PropagationWait } from "../../infra/role-propagation";

const WAIT: PropagationWait = { timeoutMs: 400, firstDelayMs: 20, maxDelayMs: 80 };

function forbidden(): Error {
  return Object.assign(new Error("This request is not authorized to perform this operation using this permission."), {
    statusCode: 403,
    code: "AuthorizationPermissionMismatch",
  });
}

describe("waiting out role propagation", () => {
  test("a 403 is retried with doubling delays until the attempt succeeds", async () => {
    const at: number[] = [];
    const result = await retryWhileRolesPropagate(
      "uploading",
      async () => {
        at.push(Date.now());
        if (at.length < 4) throw forbidden();
        return "done";
      },
      WAIT,
    );
    expect(result).toBe("done");
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? t));
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(75);
  });

  test("other failures are not retried", async () => {
    let attempts = 0;
    const failing = async () => {
      attempts++;
      throw Object.assign(new Error("gone"), { statusCode: 404 });
    };
    await expect(retryWhileRolesPropagate("uploading", failing, WAIT)).rejects.toThrow("gone");
    expect(attempts).toBe(1);
  });

  test("a 403 that outlasts the wait names the cause and the 10 minutes", async () => {
    const started = Date.now();
    await expect(
      retryWhileRolesPropagate("uploading the package", async () => Promise.reject(forbidden()), WAIT),
    ).rejects.toThrow(
      /^uploading the package was refused with HTTP 403 \(AuthorizationPermissionMismatch\) \d+ times over \d+ s\. Azure role assignments can take up to 10 minutes/,
    );
    expect(Date.now() - started).toBeLessThan(WAIT.timeoutMs + 200);
  });
});
