/** Batch's answers: entity GETs, list pages with `odata.nextLink`, created/accepted, and conditional requests. */
import { BatchError } from "./errors";
import type { BatchReply, BatchRequest } from "./http";
import { applySelect, pageOf, parseFilter } from "./odata";

interface Versioned {
  eTag: string;
  lastModified: string;
}

const versionHeaders = (e: Versioned): Record<string, string> => ({
  ETag: e.eTag,
  "Last-Modified": new Date(e.lastModified).toUTCString(),
});

/** If-Match / If-None-Match / If-(Un)Modified-Since, as Batch applies them to one entity. */
export function checkConditions(req: BatchRequest, entity: Versioned, read: boolean): void {
  const h = (name: string) => {
    const v = req.headers[name];
    return typeof v === "string" ? v : undefined;
  };
  const strip = (tag: string) => tag.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  const tags = (v: string) => v.split(",").map(strip);
  const failed = () =>
    read
      ? new BatchError(304, "ConditionNotMet", "The condition specified in the conditional header(s) was not met for a read operation.")
      : new BatchError(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.");
  const ifMatch = h("if-match");
  if (ifMatch !== undefined && !tags(ifMatch).some((t) => t === "*" || t === strip(entity.eTag))) throw failed();
  const ifNoneMatch = h("if-none-match");
  if (ifNoneMatch !== undefined && tags(ifNoneMatch).some((t) => t === "*" || t === strip(entity.eTag))) throw failed();
  const modified = Date.parse(entity.lastModified);
  const since = h("if-modified-since");
  if (since !== undefined && !(modified > Date.parse(since) + 999)) throw failed();
  const unmodified = h("if-unmodified-since");
  if (unmodified !== undefined && modified > Date.parse(unmodified) + 999) throw failed();
}

export function entityReply<T extends Versioned>(base: string, metadata: string, entity: T, req: BatchRequest): BatchReply {
  checkConditions(req, entity, true);
  return {
    status: 200,
    headers: versionHeaders(entity),
    body: { "odata.metadata": `${base}/$metadata#${metadata}/@Element`, ...applySelect(entity, req.query.get("$select")) },
  };
}

export function listReply<T extends object>(base: string, metadata: string, all: Iterable<T>, req: BatchRequest): BatchReply {
  const filter = parseFilter(req.query.get("$filter"));
  const page = pageOf([...all].filter(filter), req.query);
  const select = req.query.get("$select");
  const body: Record<string, unknown> = {
    "odata.metadata": `${base}/$metadata#${metadata}`,
    value: page.items.map((e) => applySelect(e, select)),
  };
  if (page.nextSkip !== undefined) {
    const next = new URLSearchParams(req.query);
    next.set("$skiptoken", String(page.nextSkip));
    body["odata.nextLink"] = `${base}${req.rawPath}?${next.toString()}`;
  }
  return { status: 200, body };
}

/** 201 with where the new entity lives, as Batch answers an add. */
export function created(url: string, entity: Versioned): BatchReply {
  return { status: 201, headers: { ...versionHeaders(entity), Location: url, DataServiceId: url } };
}

export function changed(status: 200 | 202 | 204, url: string, entity?: Versioned): BatchReply {
  return { status, headers: { ...(entity ? versionHeaders(entity) : {}), DataServiceId: url } };
}
