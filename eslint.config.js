// ESLint (flat config) for the browser modules, the demo shop's pages and the Node unit tests.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: [
      "node_modules/",
      ".venv/",
      ".venv-runtime/",
      ".venv-scan/",
      ".local/",
      ".aws-sam/",
      "build/",
      "tests/artifacts/",
      "frontend/dist/",
    ],
  },
  js.configs.recommended,
  {
    files: ["frontend/**/*.js", "examples/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js", "frontend/build.mjs", "docs/examples/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
  {
    rules: {
      "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-implicit-globals": "error",
      "no-shadow": "error",
      "no-throw-literal": "error",
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: "Set text (textContent or ui.el), never HTML built from data." },
        { property: "outerHTML", message: "Set text (textContent or ui.el), never HTML built from data." },
      ],
    },
  },
];
