/**
 * protoc-gen-avatarkit: the SDK's wire codec, generated from proto/.
 * See ../README.md for what it generates and what it refuses.
 */
import { createEcmaScriptPlugin, type Schema } from "@bufbuild/protoplugin";
import { Emitter } from "./emit";
import { planFile } from "./plan";

export const PLUGIN_NAME = "protoc-gen-avatarkit";
export const PLUGIN_VERSION = "v1";

/** The suffix of each generated file: `message/message.proto` → `message/message_codec.ts`. */
export const FILE_SUFFIX = "_codec.ts";

function generateTs(schema: Schema): void {
  for (const file of schema.files) {
    const plan = planFile(file);
    const f = schema.generateFile(`${file.name}${FILE_SUFFIX}`);
    f.preamble(file);
    new Emitter(plan).emit(
      {
        line: (text = "") => f.print(text),
        doc: (desc, indent) => f.print(f.jsDoc(desc, indent)),
      },
      [
        `// Generated from proto/${file.name}.proto by tools/protoc-gen-avatarkit (\`pnpm proto\`).`,
        "// DO NOT EDIT: change the .proto file (or the plugin) and regenerate.",
        "",
      ],
    );
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
