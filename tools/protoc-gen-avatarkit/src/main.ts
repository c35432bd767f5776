#!/usr/bin/env node
// Entry point of the local buf plugin (buf.gen.yaml runs it with `node --import tsx`).
import { runNodeJs } from "@bufbuild/protoplugin";
import { plugin } from "./plugin";

runNodeJs(plugin);
