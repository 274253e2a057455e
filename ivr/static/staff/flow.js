// Draws the flow's Mermaid text (in <pre class="mermaid">) as an SVG diagram.
"use strict";
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", flowchart: { useMaxWidth: false } });
mermaid.run({ querySelector: "pre.mermaid" });
