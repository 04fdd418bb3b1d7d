// The studio: five tabs over the JSON API.  No framework; every request carries the CSRF header.
"use strict";
const CSRF = document.querySelector('meta[name="perfrules-csrf"]').content;
const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === "class") e.className = v; else e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k == null ? "" : String(k)));
  return e;
};
const state = {id: null, saved: "", text: "", view: null, writable: false, seq: 0, corpus: false};

async function api(path, body, raw = false) {
  const opts = {method: body === undefined ? "GET" : "POST", headers: {"X-Perfrules-CSRF": CSRF}};
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  const resp = await fetch(path, opts);
  if (raw && resp.ok) return resp;
  const data = await resp.json();
  if (!resp.ok) { const err = new Error(data.error ? data.error.message : resp.statusText); err.data = data; throw err; }
  return data;
}
const errorText = (err) => (err.data && err.data.error && (err.data.error.rendered || err.data.error.message)) || String(err);

// ---------------------------------------------------------------- tabs & picker
document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
function showTab(name) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.id === "tab-" + name));
  if (name === "impact") runImpact();
}
async function loadList() {
  const data = await api("/api/rulesets");
  state.corpus = data.corpus;
  const sel = $("#ruleset-id");
  sel.replaceChildren(...data.rulesets.map((r) => el("option", {value: r.id}, `${r.id}　${r.name || ""}${r.writable ? "" : "（只读）"}`)));
  // the most local ruleset first (the longest chain), a writable one if there is one
  const byDepth = [...data.rulesets].sort((a, b) => (b.chain || []).length - (a.chain || []).length);
  const district = byDepth.find((r) => r.writable) || byDepth[0];
  if (district) sel.value = district.id;
  sel.addEventListener("change", () => openRuleset(sel.value));
  await openRuleset(sel.value);
}

// ---------------------------------------------------------------- 评分
let lastUpload = null;
$("#score-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const file = $("#score-file").files[0];
  if (!file) return;
  lastUpload = file;
  $("#score-error").hidden = true;
  try {
    const data = await api("/api/score", scoreForm(file));
    $("#score-total").textContent = data.total;
    $("#score-grade").textContent = data.grade || "—";
    $("#score-ruleset").textContent = `规则集 ${data.ruleset ? data.ruleset.id : ""}`;
    const html = await (await api("/api/score?format=html", scoreForm(file), true)).blob();
    $("#score-report").src = URL.createObjectURL(html);
    $("#score-summary").hidden = false;
  } catch (err) {
    $("#score-summary").hidden = true;
    $("#score-error").textContent = errorText(err);
    $("#score-error").hidden = false;
  }
});
function scoreForm(file) {
  const fd = new FormData();
  fd.append("file", file);
  if ($("#score-use-picked").checked) fd.append("ruleset", $("#ruleset-id").value);
  return fd;
}
document.querySelectorAll("[data-download]").forEach((b) => b.addEventListener("click", async () => {
  if (!lastUpload) return;
  const fmt = b.dataset.download;
  const blob = await (await api("/api/score?format=" + fmt, scoreForm(lastUpload), true)).blob();
  const a = el("a", {href: URL.createObjectURL(blob), download: lastUpload.name.replace(/\.[^.]+$/, "") + ".复核." + fmt});
  document.body.append(a); a.click(); a.remove();
}));

// ---------------------------------------------------------------- 规则集
async function openRuleset(id) {
  state.id = id;
  const data = await api("/api/rulesets/" + id + "?resolved=1");
  state.saved = data.source; state.writable = data.writable;
  $("#edit-file").textContent = data.file;
  $("#edit-readonly").hidden = data.writable;
  renderResolved(data);
  setEditorText(data.source);
}
const origin = (o) => el("span", {class: "origin"}, o && o.layer ? `← ${o.layer}${o.file ? "　" + o.file + ":" + o.line : ""}` : "");
function renderResolved(d) {
  const weights = el("table", {}, el("tr", {}, el("th", {}, "一级指标"), el("th", {}, "分值"), el("th", {}, "来源")),
    ...d.weights.map((w) => el("tr", {}, el("td", {}, w.level1), el("td", {}, w.points), el("td", {}, origin(w.origin)))),
    el("tr", {}, el("td", {}, "合计"), el("td", {}, d.full_marks), el("td")));
  const grades = el("table", {}, el("tr", {}, el("th", {}, "等级"), el("th", {}, "区间")),
    ...d.grades.bands.map((g) => el("tr", {}, el("td", {}, g.name), el("td", {}, g.text))));
  const rules = el("table", {}, el("tr", {}, el("th", {}, "规则"), el("th", {}, "适用"), el("th", {}, "计分"), el("th", {}, "出处"), el("th", {}, "来源")),
    ...d.rules.map((r) => el("tr", {}, el("td", {}, `${r.id}「${r.name}」`), el("td", {}, r.applies), el("td", {}, r.text),
      el("td", {}, `${r.cite}［${r.evidence}］`), el("td", {}, origin(r.origin)))));
  $("#ruleset-view").replaceChildren(
    el("p", {}, `${d.name}（${d.jurisdiction || "—"}，${d.year || "—"} 年度，版本 ${d.version || "—"}）`),
    el("p", {}, "继承链：" + d.chain.join(" → ")),
    el("p", {}, `舍入：${d.rounding.places} 位小数，${d.rounding.mode} `, origin(d.rounding.origin)),
    el("h3", {}, "一级指标分值"), weights, el("h3", {}, "总分等级 ", origin(d.grades.origin)), grades,
    el("h3", {}, "规则（按匹配顺序）"), rules);
}

// ---------------------------------------------------------------- 编辑
function setEditorText(text) {
  state.text = text;
  if (!state.view) {
    state.view = window.PerfrulesEditor.create($("#editor"), text, (t) => { state.text = t; }, lintSource);
  } else {
    state.view.dispatch({changes: {from: 0, to: state.view.state.doc.length, insert: text}});
  }
}
async function lintSource(view) {
  const text = view.state.doc.toString();
  const seq = ++state.seq;
  let data;
  try { data = await api("/api/test", {id: state.id, ruleset: text}); }
  catch (err) { $("#check-status").textContent = errorText(err); return []; }
  if (seq !== state.seq) return [];
  showChecks(data);
  if (data.ok && state.corpus) scheduleImpact(text);
  else clearTimeout(impactTimer);  // the text now has errors: no impact of it, nor of an older text
  const doc = view.state.doc;
  return data.diagnostics.map((d) => {
    const line = doc.line(Math.min(Math.max(d.line, 1), doc.lines));
    const from = Math.min(line.from + d.column - 1, line.to);
    const to = Math.min(Math.max(from + 1, line.from + d.end_column - 1), line.to);
    return {from, to: Math.max(to, from), severity: d.severity, message: d.message + (d.hint ? "\n" + d.hint : "")};
  });
}
function showChecks(data) {
  const errors = data.diagnostics.filter((d) => d.severity === "error").length;
  $("#check-status").textContent = errors ? `${errors} 个错误` : "通过";
  $("#check-status").className = errors ? "bad" : "ok";
  $("#diagnostics").replaceChildren(...data.diagnostics.map((d) => el("li", {class: "diag-" + d.severity},
    `第 ${d.line} 行第 ${d.column} 列：${d.message}`, d.hint ? el("span", {class: "hint"}, d.hint) : "")));
  $("#cases-status").textContent = data.ok ? `通过 ${data.passed} 个，失败 ${data.failed} 个` : "（规则集有错误，未运行）";
  $("#cases-status").className = data.failed || !data.ok ? "bad" : "ok";
  $("#cases").replaceChildren(...data.cases.map((c) => el("li", {class: c.passed ? "pass" : "fail"}, c.name,
    ...c.problems.map((p) => el("span", {class: "problem"}, p)))));
}

// ---------------------------------------------------------------- 影响
let impactTimer = null;
// The impact of the text the check passed, not of whatever the editor holds 300 ms later.
function scheduleImpact(text) { clearTimeout(impactTimer); impactTimer = setTimeout(() => runImpact(text), 300); }
async function runImpact(text = state.text) {
  if (!state.id) return;
  if (!state.corpus) { $("#impact-status").textContent = "没有语料文件夹：请用 perfrules serve --corpus 文件夹 启动。"; return; }
  let data;
  try { data = await api("/api/impact", {id: state.id, ruleset: text}); }
  catch (err) { $("#impact-status").textContent = "规则集有错误，无法计算影响：" + errorText(err); return; }
  $("#impact-status").textContent = `共 ${data.units.length} 个单位，${data.changed} 个总分或等级有变化` +
    (data.failures.length ? `；${data.failures.length} 个文件读取失败` : "") + "。";
  const rows = [...data.units].sort((a, b) => Number(b.changed) - Number(a.changed));
  $("#impact-table tbody").replaceChildren(...rows.map((u) => el("tr", {class: u.changed ? "changed" : ""},
    el("td", {}, u.file), el("td", {}, u.unit), el("td", {}, u.old_total), el("td", {}, u.old_grade || "—"),
    el("td", {}, u.new_total), el("td", {}, u.new_grade || "—"), el("td", {}, u.why.join("；")))));
  $("#impact-chart").replaceChildren(chart(data.grades));
}
function chart(grades) {
  const NS = "http://www.w3.org/2000/svg";
  const s = (tag, attrs, text) => { const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text != null) e.textContent = text; return e; };
  const max = Math.max(1, ...grades.flatMap((g) => [g.before, g.after]));
  const W = 90, H = 160, svg = s("svg", {width: grades.length * W + 180, height: H + 64, role: "img", "aria-label": "等级分布：改前与改后"});
  grades.forEach((g, i) => {
    [["before", "#9fb3c8", 0], ["after", "#1d4e89", 32]].forEach(([k, color, dx]) => {
      const h = Math.round((g[k] / max) * H), x = 20 + i * W + dx;
      svg.append(s("rect", {x, y: 24 + H - h, width: 28, height: h, fill: color}));
      svg.append(s("text", {x: x + 14, y: 19 + H - h, "text-anchor": "middle", "font-size": 12}, g[k]));
    });
    svg.append(s("text", {x: 20 + i * W + 30, y: H + 46, "text-anchor": "middle", "font-size": 14}, g.grade));
  });
  const lx = 20 + grades.length * W;
  svg.append(s("rect", {x: lx, y: 20, width: 14, height: 14, fill: "#9fb3c8"}), s("text", {x: lx + 20, y: 32, "font-size": 13}, "已保存"));
  svg.append(s("rect", {x: lx, y: 44, width: 14, height: 14, fill: "#1d4e89"}), s("text", {x: lx + 20, y: 56, "font-size": 13}, "编辑中"));
  return svg;
}

// ---------------------------------------------------------------- 保存
$("#diff-button").addEventListener("click", async () => {
  const data = await api("/api/diff", {id: state.id, ruleset: state.text, bump: $("#save-bump").checked});
  const lines = (data.diff || "（没有改动）\n").split("\n");
  $("#diff-view").replaceChildren(...lines.map((l) => el("span", {class: l.startsWith("+") && !l.startsWith("+++") ? "add"
    : l.startsWith("-") && !l.startsWith("---") ? "del" : ""}, l + "\n")));
});
$("#save-button").addEventListener("click", async () => {
  const msg = $("#save-message");
  try {
    const data = await api("/api/save", {id: state.id, ruleset: state.text, bump: $("#save-bump").checked});
    msg.className = "ok"; msg.textContent = `已保存 ${data.file}（版本 ${data.version}）`;
    await openRuleset(state.id);
  } catch (err) { msg.className = "error"; msg.textContent = "未保存：" + errorText(err); }
});
$("#reload-button").addEventListener("click", () => openRuleset(state.id));

loadList().catch((err) => { document.body.prepend(el("div", {class: "error"}, "无法载入规则集：" + errorText(err))); });
