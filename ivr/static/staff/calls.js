// The live calls list: asks the server every two seconds and redraws the table's rows.
// Text goes in through textContent only, never as HTML.
"use strict";
(function () {
  const table = document.getElementById("calls");
  if (!table) return;
  const body = table.tBodies[0];
  const status = document.getElementById("calls-status");
  const source = table.dataset.source;
  const callBase = table.dataset.callBase;

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function draw(calls) {
    const rows = [];
    for (const c of calls) {
      const tr = document.createElement("tr");
      tr.dataset.call = c.call_sid;
      if (c.status === "in-progress") tr.className = "live";
      const link = document.createElement("a");
      link.href = callBase + encodeURIComponent(c.call_sid);
      link.textContent = c.call_sid.slice(-8);
      cell(tr, "").appendChild(link);
      cell(tr, c.status);
      cell(tr, c.service || "—");
      cell(tr, c.current || "—");
      cell(tr, c.language);
      cell(tr, c.staff || "—");
      cell(tr, c.caller);
      cell(tr, new Date(c.started_at).toISOString().slice(11, 19));
      cell(tr, c.seconds + " s");
      rows.push(tr);
    }
    if (!rows.length) {
      const tr = document.createElement("tr");
      tr.className = "empty";
      const td = cell(tr, "No calls in the last hours.");
      td.colSpan = 9;
      rows.push(tr);
    }
    body.replaceChildren(...rows);
  }

  async function refresh() {
    try {
      const response = await fetch(source, { credentials: "same-origin" });
      if (response.status === 401) {
        window.location.reload();
        return;
      }
      if (!response.ok) throw new Error(response.status);
      draw((await response.json()).calls);
      status.textContent = "";
    } catch (error) {
      status.textContent = "(not updating: the gateway did not answer)";
    }
  }

  setInterval(refresh, 2000);
})();
