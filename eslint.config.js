// ESLint's flat config for the pages' hand-written scripts (scripts/lint.sh runs it).
// The scripts run as classic <script> elements inside self-contained HTML pages, in the browser,
// with no module system and no build step, so they are linted as "script" source with the
// browser's globals and ESLint's recommended rules.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

const PAGES = ["src/videoaffect/reports/assets/**/*.js"];

module.exports = [
  { files: [...PAGES, "eslint.config.js"], ...js.configs.recommended },
  {
    files: PAGES,
    languageOptions: {
      // The scripts are written in ES5 (var, function) except annotate.js's rater-name regular
      // expression, which needs ES2018's Unicode property escapes (\p{L}); a syntax newer than
      // 2018 is flagged.
      ecmaVersion: 2018,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    rules: {
      // A catch clause needs a name for its error before ES2019 (`catch (e)`), and the scripts
      // catch to fall back (no localStorage, unreadable JSON), not to read the error.
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
  {
    // This file itself runs in Node.
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
  },
];
