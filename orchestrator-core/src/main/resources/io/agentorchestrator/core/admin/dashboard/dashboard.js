// The admin dashboard: agents by capability, live from the admin API's event stream.
// No framework and no build step; everything comes from the server that serves this file.
'use strict';

const state = { token: null, agents: new Map(), timeline: [], lastEventId: null, recent: [] };

function $(id) { return document.getElementById(id); }

function start() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('orchestrator-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname);
  }
  state.token = sessionStorage.getItem('orchestrator-token');
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('orchestrator-token', state.token);
    begin();
  });
  if (state.token) { begin(); } else { $('login').hidden = false; }
}

async function api(path) {
  const res = await fetch(path, { headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store' });
  if (res.status === 401 || res.status === 403) { throw new Error('unauthorized'); }
  if (!res.ok) { throw new Error(path + ': ' + res.status); }
  return res.json();
}

async function begin() {
  try {
    await loadAll();
  } catch (e) {
    $('login').hidden = false;
    $('main').hidden = true;
    $('login-error').textContent = e.message === 'unauthorized' ? 'That token was refused.' : String(e);
    return;
  }
  $('login').hidden = true;
  $('main').hidden = false;
  connect();
}

async function loadAll() {
  const [agents, stats] = await Promise.all([api('/api/agents'), api('/api/stats')]);
  setAgents(agents.agents);
  state.timeline = stats.timeline;
  render();
  drawChart();
}

function setAgents(list) {
  state.agents = new Map(list.map((a) => [a.id, a]));
}

// Server-Sent Events read through fetch, so the token travels in a header and never in a URL.
async function connect() {
  const headers = { Authorization: 'Bearer ' + state.token };
  if (state.lastEventId !== null) { headers['Last-Event-ID'] = state.lastEventId; }
  let retry = 1000;
  try {
    const res = await fetch('/api/events', { headers, cache: 'no-store' });
    if (!res.ok) { throw new Error('events: ' + res.status); }
    setConnection(true);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) { break; }
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const parsed = parseFrame(frame);
        if (parsed.retry) { retry = parsed.retry; }
        if (parsed.event) { handle(parsed); }
      }
    }
  } catch (e) {
    console.warn('event stream', e);
  }
  setConnection(false);
  setTimeout(connect, retry);
}

function parseFrame(frame) {
  const out = { event: null, data: '', id: null, retry: null };
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) { continue; }
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') { out.event = value; }
    else if (field === 'data') { out.data += value; }
    else if (field === 'id') { out.id = value; }
    else if (field === 'retry') { out.retry = parseInt(value, 10); }
  }
  return out;
}

function handle(e) {
  if (e.id !== null) { state.lastEventId = e.id; }
  const data = e.data ? JSON.parse(e.data) : {};
  const agent = data.agentId ? state.agents.get(data.agentId) : null;
  switch (e.event) {
    case 'hello':
    case 'reset':
    case 'agent-registered':
    case 'agent-updated':
    case 'agent-deregistered':
      reloadSoon();
      return;
    case 'agent-status':
      if (agent) { agent.status = data.status; agent.routable = data.status === 'HEALTHY' && !agent.ejected; changed(agent.id); }
      break;
    case 'agent-ejected':
      if (agent) { agent.ejected = true; changed(agent.id); }
      break;
    case 'agent-reinstated':
      if (agent) { agent.ejected = false; changed(agent.id); }
      break;
    case 'circuit':
      if (agent) { agent.circuitState = data.state; changed(agent.id); }
      break;
    case 'task-completed':
    case 'task-failed':
      state.recent.unshift(e.event === 'task-completed'
        ? `${data.at} ${data.capability} ${data.taskId} on ${data.agentId}: ${data.latencyMillis} ms`
        : `${data.at} ${data.capability} ${data.taskId} FAILED (${data.error}) after ${data.attempts} attempt(s)`);
      state.recent.length = Math.min(state.recent.length, 12);
      renderRecent();
      return;
    case 'stats':
      setAgents(data.agents);
      state.timeline = data.timeline;
      state.tasksInFlight = data.tasksInFlight;
      drawChart();
      break;
    default:
      return;
  }
  render();
}

// Registry changes come in bursts (a restart re-registers many agents): reload once per burst,
// well inside the API's per-client rate limit.
let reloadTimer = null;
function reloadSoon() {
  if (reloadTimer === null) {
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      loadAll().catch((err) => console.warn(err));
    }, 300);
  }
}

const changedAt = new Map();
function changed(id) { changedAt.set(id, Date.now()); }

function setConnection(live) {
  const c = $('connection');
  c.textContent = live ? 'live' : 'reconnecting';
  c.className = 'connection ' + (live ? 'live' : 'offline');
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) { td.className = cls; }
  tr.appendChild(td);
  return td;
}

function fmt(n, digits) { return n === undefined || n === null ? '–' : Number(n).toFixed(digits); }

function render() {
  const byCapability = new Map();
  for (const a of state.agents.values()) {
    for (const c of a.capabilities) {
      if (!byCapability.has(c)) { byCapability.set(c, []); }
      byCapability.get(c).push(a);
    }
  }
  const all = [...state.agents.values()];
  $('summary').textContent = `${all.length} agents, ${all.filter((a) => a.routable).length} routable`
    + (state.tasksInFlight === undefined ? '' : `, ${state.tasksInFlight} tasks in flight`);
  const root = $('capabilities');
  root.replaceChildren();
  for (const c of [...byCapability.keys()].sort()) {
    const agents = byCapability.get(c);
    const routable = agents.filter((a) => a.routable).length;
    const h = document.createElement('h2');
    h.textContent = `${c} — ${routable} of ${agents.length} routable`;
    const table = document.createElement('table');
    table.dataset.capability = c;
    const head = table.createTHead().insertRow();
    for (const t of ['Agent', 'Status', 'Circuit', 'In flight', 'Tasks/s (1m)', 'p99 ms (1m)', 'Error rate (1m)', 'Endpoint']) {
      const th = document.createElement('th');
      th.textContent = t;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const a of agents.sort((x, y) => x.id.localeCompare(y.id))) {
      const tr = body.insertRow();
      tr.dataset.agentId = a.id;
      if (Date.now() - (changedAt.get(a.id) || 0) < 1500) { tr.className = 'changed'; }
      cell(tr, a.name === a.id ? a.id : `${a.id} (${a.name})`, 'agent');
      const st = cell(tr, '');
      const badge = document.createElement('span');
      badge.className = 'status status-' + a.status;
      badge.textContent = a.status;
      st.appendChild(badge);
      if (a.ejected) {
        const f = document.createElement('span');
        f.className = 'flag';
        f.textContent = 'ejected';
        st.appendChild(f);
      }
      cell(tr, a.circuitState, 'circuit');
      cell(tr, `${a.inFlight} / ${a.maxConcurrency}`, 'num in-flight');
      const w = a.oneMinute;
      cell(tr, w ? fmt(w.throughputPerSecond, 1) : '–', 'num');
      cell(tr, w && w.latencySamples ? fmt(w.p99Millis, 1) : '–', 'num p99');
      cell(tr, w && w.requests ? fmt(w.errorRate * 100, 1) + ' %' : '–', 'num error-rate');
      cell(tr, a.endpoint, 'endpoint');
    }
    root.append(h, table);
  }
  if (byCapability.size === 0) {
    const p = document.createElement('p');
    p.textContent = 'No agent is registered.';
    root.appendChild(p);
  }
}

function renderRecent() {
  const ol = $('recent');
  ol.replaceChildren(...state.recent.map((t) => { const li = document.createElement('li'); li.textContent = t; return li; }));
}

function drawChart() {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, left = 50, right = 50, top = 10, bottom = 22;
  ctx.clearRect(0, 0, w, h);
  const points = state.timeline || [];
  ctx.strokeStyle = '#d0d4da';
  ctx.strokeRect(left, top, w - left - right, h - top - bottom);
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui, sans-serif';
  if (points.length === 0) { ctx.fillText('no tasks yet', left + 10, top + 20); return; }
  const maxT = Math.max(1, ...points.map((p) => p.throughputPerSecond));
  const maxL = Math.max(1, ...points.map((p) => p.p99Millis));
  const slots = 90;
  const x = (i) => left + (w - left - right) * (slots - points.length + i + 0.5) / slots;
  const line = (value, max, colour) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((p, i) => {
      const y = top + (h - top - bottom) * (1 - value(p) / max);
      if (i === 0) { ctx.moveTo(x(i), y); } else { ctx.lineTo(x(i), y); }
    });
    ctx.stroke();
    ctx.fillStyle = colour;
    points.forEach((p, i) => {
      ctx.beginPath();
      ctx.arc(x(i), top + (h - top - bottom) * (1 - value(p) / max), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    });
  };
  line((p) => p.throughputPerSecond, maxT, '#2563eb');
  line((p) => p.p99Millis, maxL, '#dc2626');
  ctx.fillStyle = '#2563eb';
  ctx.fillText(maxT.toFixed(1) + '/s', 4, top + 10);
  ctx.fillText('0', 4, h - bottom);
  ctx.fillStyle = '#dc2626';
  ctx.fillText(maxL.toFixed(0) + ' ms', w - right + 4, top + 10);
  ctx.fillStyle = '#555';
  ctx.fillText('-15 min', left, h - 6);
  ctx.fillText('now', w - right - 20, h - 6);
}

document.addEventListener('DOMContentLoaded', start);
