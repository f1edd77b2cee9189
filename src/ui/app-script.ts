import { CORE_SCRIPT } from './client/core-script.js';
import { GRAPH_SCRIPT } from './client/graph-script.js';
import { PANELS_SCRIPT } from './client/panels-script.js';

/** /app.js: the three parts in one strict-mode closure, started when the DOM is parsed. */
export const APP_SCRIPT = `(function () {\n'use strict';\n${CORE_SCRIPT}\n${GRAPH_SCRIPT}\n${PANELS_SCRIPT}\nstart();\n})();\n`;
