import { describe, expect, it } from "vitest";
import { StateMachine } from "./state";

describe("StateMachine", () => {
  it("walks the healthy path and reports each real change once", () => {
    const seen: string[] = [];
    const machine = new StateMachine((state, previous) => seen.push(`${previous}->${state}`));
    for (const state of ["token", "idle", "connecting", "handshaking", "open", "open", "closing", "closed"] as const) machine.to(state);
    expect(seen).toEqual(["idle->token", "token->idle", "idle->connecting", "connecting->handshaking", "handshaking->open", "open->closing", "closing->closed"]);
  });

  it("refuses moves the table does not allow", () => {
    const machine = new StateMachine();
    expect(() => machine.to("open")).toThrow(/idle -> open/);
    machine.to("closed");
    expect(() => machine.to("idle")).toThrow(/closed -> idle/);
    expect(machine.is("closed")).toBe(true);
  });
});
