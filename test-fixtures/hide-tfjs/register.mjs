// `node --import` this file to run a process in which TF.js is not installed (see ./hooks.mjs).
// CHARRNN_TEST_HIDE adds comma-separated specifier prefixes to hide too (e.g. onnxruntime-node).
import { register } from "node:module";

const also = (process.env.CHARRNN_TEST_HIDE ?? "").split(",").filter((prefix) => prefix !== "");
register("./hooks.mjs", { parentURL: import.meta.url, data: { hide: ["@tensorflow/", ...also] } });
