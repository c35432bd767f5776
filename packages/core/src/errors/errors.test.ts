import { describe, expect, it } from "vitest";
import { AvatarSDKError, ConfigurationError, SessionTokenError } from "./avatar-sdk-error";
import { AvatarSDKErrorCode } from "./codes";
import { describeFailure, serverErrorReceived, sessionTokenRejected, upgradeRefused } from "./create";
import { parseServerBody } from "./server-body";

describe("AvatarSDKErrorCode", () => {
  it("has keys equal to their values", () => {
    for (const [key, value] of Object.entries(AvatarSDKErrorCode)) expect(value).toBe(key);
  });
  it("lists exactly the codes of PROTOCOL.md §7, and §8's 20th", () => {
    expect(Object.keys(AvatarSDKErrorCode).sort()).toEqual(
      [
        "sessionTokenExpired", "sessionTokenInvalid", "appIDUnrecognized", "appIDMismatch", "avatarNotFound",
        "billingRequired", "creditsExhausted", "sessionDurationExceeded", "unsupportedSampleRate",
        "invalidEgressConfig", "egressUnavailable", "idleTimeout", "upstreamError", "protocolError",
        "connectionFailed", "connectionClosed", "serverError", "invalidRequest", "unknown", "concurrencyLimit",
      ].sort(),
    );
  });
});

describe("AvatarSDKError", () => {
  it("keeps only the fields that are known", () => {
    const err = new AvatarSDKError("serverError", "boom", { phase: "websocket_runtime", serverCode: "5" });
    expect(err).toMatchObject({ code: "serverError", message: "boom", phase: "websocket_runtime", serverCode: "5" });
    expect("httpStatus" in err).toBe(false);
    expect(err.name).toBe("AvatarSDKError");
  });

  it("serializes its fields with toJSON", () => {
    const err = new SessionTokenError("invalidRequest", "bad", { httpStatus: 400, rawBody: "{}" });
    expect(JSON.parse(JSON.stringify(err))).toEqual({ name: "SessionTokenError", code: "invalidRequest", message: "bad", retryable: false, httpStatus: 400, rawBody: "{}" });
  });

  it("keeps the cause", () => {
    const cause = new Error("root");
    expect(new AvatarSDKError("unknown", "x", { cause }).cause).toBe(cause);
    const config = new ConfigurationError("microphone", "denied", { cause });
    expect(config).toMatchObject({ cause, field: "microphone", code: "invalidRequest", retryable: false });
    expect(Object.hasOwn(new ConfigurationError("sampleRate", "x"), "cause")).toBe(false);
  });

  it("subclasses are AvatarSDKErrors and not each other", () => {
    const token = new SessionTokenError("unknown", "x");
    const config = new ConfigurationError("sampleRate", "x");
    expect(token).toBeInstanceOf(AvatarSDKError);
    expect(config).toBeInstanceOf(AvatarSDKError);
    expect(token instanceof ConfigurationError).toBe(false);
    expect(new AvatarSDKError("unknown", "x") instanceof SessionTokenError).toBe(false);
    expect(config.code).toBe("invalidRequest");
    expect(config.field).toBe("sampleRate");
  });

  it("recognizes an error made by another copy of the package", () => {
    // A second copy has its own class but the same registered brand symbol.
    class OtherCopy extends Error {
      constructor() {
        super("from another bundle");
        this.name = "SessionTokenError";
        Object.defineProperty(this, Symbol.for("avatarkit.AvatarSDKError"), { value: true });
      }
    }
    const foreign = new OtherCopy();
    expect(foreign instanceof AvatarSDKError).toBe(true);
    expect(foreign instanceof SessionTokenError).toBe(true);
    expect(foreign instanceof ConfigurationError).toBe(false);
    expect(new Error("plain") instanceof AvatarSDKError).toBe(false);
  });
});

describe("parseServerBody", () => {
  it("reads JSON:API errors (code, else id)", () => {
    const body = JSON.stringify({ errors: [{ id: "invalid_argument", status: "400", code: "INVALID_ARGUMENT", title: "Invalid Argument", detail: "expire_at must be in the future" }] });
    expect(parseServerBody(body)).toEqual({ code: "INVALID_ARGUMENT", title: "Invalid Argument", detail: "expire_at must be in the future", status: 400, hasErrors: true });
    expect(parseServerBody(JSON.stringify({ errors: [{ id: "not_found", title: "Not Found" }] })).code).toBe("not_found");
  });
  it("reads a flat object (code or error; detail or message)", () => {
    expect(parseServerBody('{"message":"Avatar not found"}')).toEqual({ detail: "Avatar not found", hasErrors: false });
    expect(parseServerBody('{"status":402,"error":"payment_required","title":"Payment","detail":"Session denied"}')).toEqual({
      code: "payment_required", title: "Payment", detail: "Session denied", status: 402, hasErrors: false,
    });
  });
  it("reads plain text and empty bodies", () => {
    expect(parseServerBody("  upstream exploded \n")).toEqual({ detail: "upstream exploded", hasErrors: false });
    expect(parseServerBody("")).toEqual({ hasErrors: false });
    expect(parseServerBody("[1,2]")).toEqual({ detail: "[1,2]", hasErrors: false });
  });
});

describe("error construction", () => {
  it("builds the documented token message", () => {
    const body = JSON.stringify({ errors: [{ id: "invalid_argument", status: "400", code: "INVALID_ARGUMENT", title: "Invalid Argument", detail: "expire_at must be in the future" }] });
    const err = sessionTokenRejected(400, body);
    expect(err).toBeInstanceOf(SessionTokenError);
    expect(err.message).toBe("Failed to create session token (HTTP 400): Invalid Argument - expire_at must be in the future");
    expect(err).toMatchObject({ code: "invalidRequest", phase: "session_token", httpStatus: 400, serverCode: "INVALID_ARGUMENT", rawBody: body });
  });

  it("takes the status of a 200 that carries errors from the first error", () => {
    const body = JSON.stringify({ errors: [{ status: "401", code: "UNAUTHENTICATED", detail: "invalid api key" }] });
    const err = sessionTokenRejected(200, body);
    expect(err.httpStatus).toBe(401);
    expect(err.code).toBe("sessionTokenExpired");
  });

  it("classifies a refused upgrade and keeps a plain-text body as serverDetail", () => {
    const err = upgradeRefused(502, "bad gateway");
    expect(err).toMatchObject({ code: "serverError", phase: "websocket_connect", httpStatus: 502, serverDetail: "bad gateway", rawBody: "bad gateway" });
    expect(upgradeRefused(404, '{"message":"Avatar not found"}').message).toBe("Failed to open the WebSocket (HTTP 404): Avatar not found (check avatarId)");
  });

  it("turns a ServerError into a classified error with its ids", () => {
    const err = serverErrorReceived("websocket_runtime", { code: 4001, message: "out of credits", connectionId: "", reqId: "r1" }, "c1");
    expect(err).toMatchObject({ code: "creditsExhausted", serverCode: "4001", serverDetail: "out of credits", connectionId: "c1", reqId: "r1" });
    expect(err.message).toBe("Server reported an error (server code 4001): out of credits (add credits to the account)");
  });

  it("describes failures without server words", () => {
    expect(describeFailure("websocket_handshake", {})).toBe("Session handshake rejected");
  });
});

describe("retryable (PROTOCOL.md §8)", () => {
  it.each([
    ["connectionFailed", {}, true],
    ["connectionClosed", { closeCode: 1006 }, true],
    ["connectionClosed", { closeCode: 4000 }, false],
    ["connectionClosed", { closeCode: 4500 }, true],
    ["upstreamError", {}, true],
    ["serverError", {}, true],
    ["sessionDurationExceeded", { serverCode: "4002" }, true],
    ["idleTimeout", {}, true],
    ["egressUnavailable", {}, true],
    ["creditsExhausted", { serverCode: "4001" }, false],
    ["concurrencyLimit", { closeCode: 4003 }, false],
    ["sessionTokenInvalid", { serverCode: "4010" }, false],
    ["upstreamError", { serverCode: "4503" }, true],
    ["serverError", { serverCode: "4099" }, false],
    ["serverError", { serverCode: "4599" }, true],
    ["invalidRequest", {}, false],
    ["sessionTokenExpired", { httpStatus: 401 }, false],
    ["avatarNotFound", {}, false],
    ["appIDMismatch", {}, false],
    ["billingRequired", {}, false],
    ["invalidEgressConfig", {}, false],
    ["protocolError", {}, false],
    ["unknown", {}, false],
  ] as const)("%s %j → %s", (code, details, retryable) => {
    expect(new AvatarSDKError(code, "x", details).retryable).toBe(retryable);
  });

  it("a detail can override it", () => {
    expect(new AvatarSDKError("serverError", "x", { retryable: false }).retryable).toBe(false);
  });
});
