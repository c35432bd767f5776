/**
 * protoc-gen-avatarkit: the SDK's wire codec, generated from proto/.
 * See ../README.md for what it generates and what it refuses.
 */
import { createEcmaScriptPlugin, type GeneratedFile, type Schema } from "@bufbuild/protoplugin";
import { Emitter, type Output } from "./emit";
import { planFile } from "./plan";

export const PLUGIN_NAME = "protoc-gen-avatarkit";
export const PLUGIN_VERSION = "v1";

/** The suffix of each generated codec: `message/message.proto` → `message/message_codec.ts`. */
export const FILE_SUFFIX = "_codec.ts";
/** The suffix of the enums module next to it (`message/message_enums.ts`), for a file with enums. */
export const ENUMS_SUFFIX = "_enums.ts";

function generateTs(schema: Schema): void {
  for (const file of schema.files) {
    const plan = planFile(file);
    const emitter = new Emitter(plan);
    const header = (what: string) => [
      `// Generated from proto/${file.name}.proto by tools/protoc-gen-avatarkit (\`pnpm proto\`)${what}.`,
      "// DO NOT EDIT: change the .proto file (or the plugin) and regenerate.",
      "",
    ];
    const output = (f: GeneratedFile): Output => ({
      line: (text = "") => f.print(text),
      doc: (desc, indent) => f.print(f.jsDoc(desc, indent)),
    });
    const base = file.name.slice(file.name.lastIndexOf("/") + 1);
    const enumsModule = `./${base}${ENUMS_SUFFIX.replace(/\.ts$/, "")}`;
    const codec = schema.generateFile(`${file.name}${FILE_SUFFIX}`);
    codec.preamble(file);
    emitter.emit(output(codec), header(""), enumsModule);
    if (plan.enums.length > 0) {
      const enums = schema.generateFile(`${file.name}${ENUMS_SUFFIX}`);
      enums.preamble(file);
      emitter.emitEnums(output(enums), header(`: its enums, apart from the codec (${base}${FILE_SUFFIX} re-exports them)`));
    }
  }
}

function refuseTarget(): never {
  throw new Error(`${PLUGIN_NAME} generates TypeScript only: set the plugin option target=ts`);
}

export const plugin = createEcmaScriptPlugin({
  name: PLUGIN_NAME,
  version: PLUGIN_VERSION,
  generateTs,
  generateJs: refuseTarget,
  generateDts: refuseTarget,
});
