/** What the figures were measured on: they mean nothing without the machine and the versions. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryMB: number;
  os: string;
  kernel: string;
}

export interface Versions {
  node: string;
  tesseract: string;
  imagemagick: string;
  parallel: string;
  packages: Record<string, string>;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memoryMB: Math.round(os.totalmem() / 1024 / 1024),
    os: osName(),
    kernel: os.release(),
  };
}

function osName(): string {
  try {
    const line = readFileSync("/etc/os-release", "utf8")
      .split("\n")
      .find((l) => l.startsWith("PRETTY_NAME="));
    return line ? line.slice("PRETTY_NAME=".length).replace(/"/g, "") : `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return (
      execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
        .split("\n")[0]
        ?.trim() ?? ""
    );
  } catch {
    return "not found";
  }
}

const PACKAGES = ["@azure/batch", "@azure/storage-blob", "azurite", "esbuild", "typescript"];

function installedVersion(name: string, root: string): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }
    ).version;
  } catch {
    return "not installed";
  }
}

export function versions(root: string): Versions {
  return {
    node: process.version,
    tesseract: firstLine("tesseract", ["--version"]),
    imagemagick: firstLine("convert", ["-version"]).replace(/^Version: /, ""),
    parallel: firstLine("parallel", ["--version"]),
    packages: Object.fromEntries(PACKAGES.map((p) => [p, installedVersion(p, root)])),
  };
}
