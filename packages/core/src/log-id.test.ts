import { describe, expect, it } from "vitest";
import { createLogIdGenerator } from "./log-id";

const random = (bytes: Uint8Array) => crypto.getRandomValues(bytes);

describe("generateLogId", () => {
  it("is YYYYMMDDHHMMSS_ and 12 URL-safe characters, in UTC", () => {
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    const id = createLogIdGenerator(random, () => at)();
    expect(id).toMatch(/^20260102030405_[A-Za-z0-9_-]{12}$/);
  });

  it("maps random bytes onto the 64-symbol alphabet", () => {
    const fixed = (bytes: Uint8Array) => bytes.fill(0).map((_, i) => i * 5);
    const id = createLogIdGenerator(fixed, () => new Date(0))();
    expect(id).toBe("19700101000000_ud637ARDWGgq");
  });

  it("does not repeat", () => {
    const next = createLogIdGenerator(random);
    const ids = new Set(Array.from({ length: 10_000 }, next));
    expect(ids.size).toBe(10_000);
  });
});
