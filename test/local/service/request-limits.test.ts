/**
 * A request body larger than Batch takes is refused with 413 RequestBodyTooLarge, as Batch
 * answers it, before the body is read whole: at once from Content-Length, or as soon as a
 * chunked body passes the limit, and the client reads that answer (a 50 MB body used to get a
 * connection reset). Raw requests, signed as the client signs them: @azure/batch itself takes
 * about 20 s to serialize 50 MB before sending a byte.
 */
import { request } from "node:http";
import { BatchSharedKeyCredentials } from "@azure/batch";
import { WebResource } from "@azure/ms-rest-js";
import { useService } from "./fixture";

const service = useService("request-limits");

const FIFTY_MB = 50 * 1024 * 1024;

interface Sent {
  status: number;
  body: { code?: string; values?: { key: string; value: string }[] };
  /** Bytes written before the answer came. */
  sent: number;
}

/**
 * POSTs a 50 MB job body, chunked or with its Content-Length; `bodyBytes` is how much of it is
 * actually sent (the rest never comes: the answer must not wait for it).
 */
async function postFiftyMegabytes(framing: "content-length" | "chunked", bodyBytes = FIFTY_MB): Promise<Sent> {
  const { cloud } = service();
  const url = new URL(`${cloud.batchEndpoint}/jobs?api-version=2025-06-01`);
  const declared: Record<string, string> =
    framing === "chunked" ? { "Transfer-Encoding": "chunked" } : { "Content-Length": String(FIFTY_MB) };
  const resource = new WebResource(url.toString(), "POST", undefined, undefined, {
    "Content-Type": "application/json; odata=minimalmetadata; charset=utf-8",
    "ocp-date": new Date().toUTCString(),
    ...declared,
  });
  await new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey).signRequest(resource);
  const headers = Object.fromEntries(resource.headers.headersArray().map((h) => [h.name, h.value]));
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  let answered = false;
  return new Promise<Sent>((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      answered = true;
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Sent["body"], sent });
      });
    });
    req.on("error", (err) => (answered ? undefined : reject(err)));
    // As curl or a SDK does it: the whole body is sent before the answer is read.
    const pump = () => {
      while (sent < bodyBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (bodyBytes === FIFTY_MB) req.end();
    };
    req.flushHeaders();
    pump();
  });
}

test("a Content-Length over the limit gets 413 RequestBodyTooLarge from the headers alone, before a byte of the body", async () => {
  const reply = await postFiftyMegabytes("content-length", 0);
  expect(reply.status).toBe(413);
  expect(reply.body.code).toBe("RequestBodyTooLarge");
  expect(reply.body.values).toContainEqual({ key: "MaxLimit", value: expect.stringMatching(/^\d+$/) });
}, 10_000);

test("a chunked 50 MB body gets 413 RequestBodyTooLarge once past the limit, and the client reads it after sending the rest", async () => {
  const reply = await postFiftyMegabytes("chunked");
  expect(reply.status).toBe(413);
  expect(reply.body.code).toBe("RequestBodyTooLarge");
});
