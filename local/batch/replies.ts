/** Batch's answers: entity GETs, list pages with `odata.nextLink`, created/accepted, and conditional requests. */
import { batchError } from "./errors";
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
  const failed = () => batchError(read ? "ConditionNotMetOnRead" : "ConditionNotMet");
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

export function entityReply<T extends Versioned>(
  base: string,
  metadata: string,
  entity: T,
  req: BatchRequest,
): BatchReply {
  checkConditions(req, entity, true);
  return {
    status: 200,
    headers: versionHeaders(entity),
    body: {
      "odata.metadata": `${base}/$metadata#${metadata}/@Element`,
      ...applySelect(entity, req.query.get("$select")),
    },
  };
}

/**
 * Where each kept entity (pool, node, job, task) sits in its list, numbered on first listing.
 * Lists iterate in insertion order and new entities join at the end, so the numbers rise in list
 * order and stay with an entity while others around it come and go.
 */
const positions = new WeakMap<object, number>();
let lastPosition = 0;

function positionOf(entity: object): number {
  let position = positions.get(entity);
  if (position === undefined) positions.set(entity, (position = ++lastPosition));
  return position;
}

/**
 * A list page. `kept` entities live in the service's state and page by position; lists built
 * afresh per request (files, applications) page by index.
 */
export function listReply<T extends object>(
  base: string,
  metadata: string,
  all: Iterable<T>,
  req: BatchRequest,
  kept = true,
  /** What of an entity a client sees; the entity itself is what keeps its place in the list. */
  shown: (entity: T) => object = (entity) => entity,
): BatchReply {
  const filter = parseFilter(req.query.get("$filter"));
  const entities = [...all];
  const index = new Map(entities.map((e, i) => [e, kept ? positionOf(e) : i]));
  const page = pageOf(entities.filter(filter), req.query, (e) => index.get(e)!);
  const select = req.query.get("$select");
  const body: Record<string, unknown> = {
    "odata.metadata": `${base}/$metadata#${metadata}`,
    value: page.items.map((e) => applySelect(shown(e), select)),
  };
  if (page.nextToken !== undefined) {
    const next = new URLSearchParams(req.query);
    next.set("$skiptoken", page.nextToken);
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
