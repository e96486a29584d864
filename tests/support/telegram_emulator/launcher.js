#!/usr/bin/env node
/*
 * tjwatch end-to-end harness: launcher for the `telegram-test-api` 4.2.1 Bot API emulator.
 *
 * Usage:  node launcher.js [--host 127.0.0.1] [--port 0] [--exit-on-stdin-close]
 *   env:  TGEMU_HOST, TGEMU_PORT, TGEMU_BOT_USERNAME (default tjwatch_test_bot),
 *         TGEMU_BOT_FIRST_NAME, TGEMU_STORE_TIMEOUT (s, default 86400),
 *         TGEMU_MAX_POLL_TIMEOUT (s, default 50), TGEMU_VALIDATE_HTML (default 1),
 *         TGEMU_EXIT_ON_STDIN_CLOSE=1, DEBUG=TelegramServer:* (library debug log, stderr).
 *
 * The first line on stdout is `LISTENING <host>:<port>` once the server accepts connections
 * (port 0 picks a free port). Everything else is logged on stderr.
 *
 * The library keeps the express app, the body parsers, the in-RAM storage and its clean-up
 * daemon; every Bot API method (/bot<TOKEN>/<method>) and the user-side routes are answered by
 * the handlers below, registered before the library's own routes, because 4.2.1 is not usable
 * by python-telegram-bot 22 as is (see /work/shared/telegram-emulator.md):
 *   - getMe lacks is_bot                       -> full User with is_bot:true
 *   - sendMessage date in ms, no `from`        -> Message with date in s, from = the bot
 *   - editMessage* answer result:null          -> edited Message, 400 when not found/not modified
 *   - callback updates drop chat_instance      -> kept, or derived from the chat id
 *   - getUpdates ignores offset/timeout        -> offset confirms, timeout long-polls (bounded)
 *   - set/get/deleteMyCommands, sendChatAction,... answer HTTP 500 -> proper results
 *   - errors {ok:false} with HTTP 200 / {message} with 500 -> {ok,error_code,description} + status
 *   - user routes without botToken crash Node  -> 400, and unhandledRejection is only logged
 * Additions: HTML parse_mode validation (Telegram's tag subset, "can't parse entities"),
 * length limits, sendPhoto/sendDocument (multipart, busboy), getFile + file download,
 * fault injection and a call log under /_control.
 */
'use strict';

const crypto = require('crypto');

const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');
const sendResultModule = require('telegram-test-api/lib/modules/sendResult');
const axios = require('axios');
const Busboy = require('busboy');

// ---------------------------------------------------------------------------------------------
// configuration
// ---------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port' || a === '-p') out.port = argv[++i];
    else if (a.startsWith('--port=')) out.port = a.slice(7);
    else if (a === '--host') out.host = argv[++i];
    else if (a.startsWith('--host=')) out.host = a.slice(7);
    else if (a === '--exit-on-stdin-close') out.exitOnStdinClose = true;
    else if (/^\d+$/.test(a)) out.port = a;
    else {
      process.stderr.write(`launcher: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const env = process.env;
const CONFIG = {
  host: args.host || env.TGEMU_HOST || '127.0.0.1',
  port: Number(args.port !== undefined ? args.port : (env.TGEMU_PORT || 0)),
  botUsername: env.TGEMU_BOT_USERNAME || 'tjwatch_test_bot',
  botFirstName: env.TGEMU_BOT_FIRST_NAME || 'tjwatch test bot',
  storeTimeout: Number(env.TGEMU_STORE_TIMEOUT || 86400),
  maxPollTimeout: Number(env.TGEMU_MAX_POLL_TIMEOUT || 50),
  validateHtml: !['0', 'false', 'no'].includes(String(env.TGEMU_VALIDATE_HTML || '1').toLowerCase()),
  exitOnStdinClose: Boolean(args.exitOnStdinClose)
    || ['1', 'true', 'yes'].includes(String(env.TGEMU_EXIT_ON_STDIN_CLOSE || '').toLowerCase()),
};
if (!Number.isInteger(CONFIG.port) || CONFIG.port < 0 || CONFIG.port > 65535) {
  process.stderr.write(`launcher: invalid port ${args.port}\n`);
  process.exit(2);
}

function log(...parts) {
  process.stderr.write(`[tgemu ${new Date().toISOString()}] ${parts.join(' ')}\n`);
}

// A broken client request must never kill the emulator (4.2.1 lets Node die on these).
process.on('unhandledRejection', (reason) => {
  log('unhandledRejection (ignored):', reason && reason.stack ? reason.stack : String(reason));
});
process.on('uncaughtException', (err) => {
  log('uncaughtException (ignored):', err && err.stack ? err.stack : String(err));
});

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------
class TgError extends Error {
  constructor(code, description, parameters) {
    super(description);
    this.code = code;
    this.description = description;
    this.parameters = parameters;
  }
}

const NO_REPLY = Symbol('no-reply');
const nowSec = () => Math.floor(Date.now() / 1000);
const toSeconds = (d) => {
  if (d === undefined || d === null || d === '') return nowSec();
  const n = Number(d);
  if (!Number.isFinite(n)) return nowSec();
  return n > 1e11 ? Math.floor(n / 1000) : Math.floor(n);
};
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const clone = (o) => (o === undefined ? undefined : JSON.parse(JSON.stringify(o)));
const isTrue = (v) => v === true || v === 'true' || v === '1' || v === 1;

const DEFAULT_DESCRIPTIONS = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

function responseOpen(res) {
  return !res.headersSent && !res.writableEnded && !res.destroyed
    && !(res.socket && res.socket.destroyed);
}

function sendOk(res, result) {
  if (!responseOpen(res)) return;
  res.status(200).json({ ok: true, result });
}

function sendTgError(res, code, description, parameters) {
  if (!responseOpen(res)) return;
  const status = Number(code) || 500;
  const body = {
    ok: false,
    error_code: status,
    description: description || DEFAULT_DESCRIPTIONS[status] || 'Error',
  };
  if (parameters && Object.keys(parameters).length) body.parameters = parameters;
  res.status(status >= 100 && status <= 599 ? status : 500).json(body);
}

// Telegram-shaped errors for everything the library itself would answer as {message} / 500.
sendResultModule.sendResult = (_req, res, next) => {
  res.sendError = (error) => {
    const status = Number((error && (error.http || error.status || error.statusCode)) || 0)
      || (/Route not found/.test(error && error.message) ? 404 : 500);
    sendTgError(res, status, `${DEFAULT_DESCRIPTIONS[status] || 'Error'}: ${error && error.message}`);
  };
  res.sendResult = (payload) => {
    if (payload && typeof payload.then === 'function') {
      payload.then((r) => res.json(r)).catch((e) => res.sendError(e));
    } else if (payload && payload.ok === false) {
      sendTgError(res, payload.error_code || 400, payload.description, payload.parameters);
    } else {
      res.json(payload);
    }
  };
  next();
};

// Fields python-telegram-bot sends JSON-encoded inside form-urlencoded / multipart bodies.
const JSON_FIELDS = new Set([
  'reply_markup', 'entities', 'caption_entities', 'commands', 'scope', 'link_preview_options',
  'reply_parameters', 'allowed_updates', 'menu_button', 'reaction', 'media', 'rights',
  'message_ids', 'suggested_post_parameters',
]);

function normalizeParams(raw) {
  const out = {};
  for (const [k, v] of Object.entries(raw || {})) {
    if (JSON_FIELDS.has(k) && typeof v === 'string') {
      try {
        out[k] = JSON.parse(v);
      } catch (e) {
        throw new TgError(400, `Bad Request: can't parse ${k} JSON object`);
      }
    } else {
      out[k] = v;
    }
  }
  return out;
}

function isMultipart(req) {
  return /^multipart\/form-data/i.test(String(req.headers['content-type'] || ''));
}

function parseMultipart(req) {
  return new Promise((resolve, reject) => {
    const fields = {};
    const files = {};
    let bb;
    try {
      bb = Busboy({ headers: req.headers, limits: { fileSize: 50 * 1024 * 1024 } });
    } catch (e) {
      reject(new TgError(400, `Bad Request: invalid multipart body: ${e.message}`));
      return;
    }
    bb.on('field', (name, value) => { fields[name] = value; });
    bb.on('file', (name, stream, info) => {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        files[name] = {
          buffer: Buffer.concat(chunks),
          filename: info.filename,
          mime_type: info.mimeType,
          truncated: Boolean(stream.truncated),
        };
      });
    });
    bb.on('close', () => resolve({ fields, files }));
    bb.on('error', (e) => reject(new TgError(400, `Bad Request: invalid multipart body: ${e.message}`)));
    req.pipe(bb);
  });
}

function utf8Offset(s, idx) {
  return Buffer.byteLength(s.slice(0, idx), 'utf8');
}

// ---------------------------------------------------------------------------------------------
// HTML parse_mode (Telegram's subset). Real Telegram rejects anything else with
// "Bad Request: can't parse entities: ..."; 4.2.1 accepts everything.
// ---------------------------------------------------------------------------------------------
const HTML_TAGS = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  a: 'text_link',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};

function decodeEntity(src, i) {
  const m = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot);/.exec(src.slice(i, i + 12));
  if (!m) return null;
  const name = m[1];
  let ch;
  if (name === 'lt') ch = '<';
  else if (name === 'gt') ch = '>';
  else if (name === 'amp') ch = '&';
  else if (name === 'quot') ch = '"';
  else {
    const cp = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    if (!(cp > 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    ch = String.fromCodePoint(cp);
  }
  return { ch, len: m[0].length };
}

function decodeText(s) {
  let out = '';
  for (let i = 0; i < s.length;) {
    if (s[i] === '&') {
      const d = decodeEntity(s, i);
      if (d) { out += d.ch; i += d.len; continue; }
    }
    out += s[i];
    i += 1;
  }
  return out;
}

function parseHtml(src) {
  const fail = (msg) => { throw new TgError(400, `Bad Request: can't parse entities: ${msg}`); };
  let out = '';
  const entities = [];
  const stack = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '<') {
      if (src[i + 1] === '/') {
        const end = src.indexOf('>', i);
        if (end < 0) fail(`Unclosed end tag at byte offset ${utf8Offset(src, i)}`);
        const name = src.slice(i + 2, end).trim().toLowerCase();
        if (!stack.length) fail(`Unexpected end tag at byte offset ${utf8Offset(src, i)}`);
        const top = stack[stack.length - 1];
        if (name !== top.tag) {
          fail(`Unmatched end tag at byte offset ${utf8Offset(src, i)}, expected "</${top.tag}>", found "</${name}>"`);
        }
        stack.pop();
        const length = out.length - top.start;
        if (top.tag === 'code' && stack.length && stack[stack.length - 1].tag === 'pre') {
          const cls = top.attrs.class || '';
          if (cls.startsWith('language-')) stack[stack.length - 1].language = cls.slice(9);
        } else if (length > 0) {
          const ent = { type: HTML_TAGS[top.tag], offset: top.start, length };
          if (top.tag === 'a') {
            const href = top.attrs.href;
            const mention = href && /^tg:\/\/user\?id=(\d+)$/.exec(href);
            if (mention) {
              ent.type = 'text_mention';
              ent.user = { id: Number(mention[1]), is_bot: false, first_name: out.slice(top.start) };
            } else if (href) {
              ent.url = href;
            } else {
              ent.type = null;
            }
          } else if (top.tag === 'pre' && top.language) {
            ent.language = top.language;
          } else if (top.tag === 'blockquote' && 'expandable' in top.attrs) {
            ent.type = 'expandable_blockquote';
          } else if (top.tag === 'tg-emoji') {
            ent.custom_emoji_id = top.attrs['emoji-id'];
          }
          if (ent.type) entities.push(ent);
        }
        i = end + 1;
        continue;
      }
      const m = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(src.slice(i, i + 80));
      const tagName = m ? m[1].toLowerCase() : '';
      if (!m || !(tagName in HTML_TAGS)) {
        fail(`Unsupported start tag "${m ? m[1] : ''}" at byte offset ${utf8Offset(src, i)}`);
      }
      let j = i + 1 + m[1].length;
      const attrs = {};
      for (;;) {
        while (j < src.length && /\s/.test(src[j])) j += 1;
        if (j >= src.length) fail(`Unclosed start tag at byte offset ${utf8Offset(src, i)}`);
        if (src[j] === '>') break;
        const am = /^([a-zA-Z_:][-a-zA-Z0-9_:.]*)/.exec(src.slice(j, j + 80));
        if (!am) fail(`Empty attribute name in the tag "${tagName}" at byte offset ${utf8Offset(src, j)}`);
        const attrName = am[1].toLowerCase();
        j += am[1].length;
        while (j < src.length && /\s/.test(src[j])) j += 1;
        let value = '';
        if (src[j] === '=') {
          j += 1;
          while (j < src.length && /\s/.test(src[j])) j += 1;
          const q = src[j];
          if (q === '"' || q === "'") {
            const close = src.indexOf(q, j + 1);
            if (close < 0) fail(`Unclosed start tag at byte offset ${utf8Offset(src, i)}`);
            value = src.slice(j + 1, close);
            j = close + 1;
          } else {
            const vm = /^[^\s>]*/.exec(src.slice(j));
            value = vm[0];
            j += value.length;
          }
        }
        attrs[attrName] = decodeText(value);
      }
      if (tagName === 'span' && attrs.class !== 'tg-spoiler') {
        fail(`Tag "span" must have class "tg-spoiler" at byte offset ${utf8Offset(src, i)}`);
      }
      stack.push({ tag: tagName, attrs, start: out.length });
      i = j + 1;
      continue;
    }
    if (c === '&') {
      const d = decodeEntity(src, i);
      if (d) {
        out += d.ch;
        i += d.len;
        continue;
      }
    }
    out += c;
    i += 1;
  }
  if (stack.length) fail(`Can't find end tag corresponding to start tag "${stack[stack.length - 1].tag}"`);
  entities.sort((a, b) => (a.offset - b.offset) || (b.length - a.length));
  return { text: out, entities };
}

function formatText(text, parseMode, givenEntities) {
  const mode = String(parseMode || '').toLowerCase();
  if (mode === 'html' && CONFIG.validateHtml) return parseHtml(text);
  if (mode === 'html') return { text, entities: [] };
  // Markdown / MarkdownV2 are passed through unvalidated.
  return { text, entities: Array.isArray(givenEntities) ? givenEntities : [] };
}

function validateReplyMarkup(markup) {
  if (markup === undefined || markup === null || markup === '') return undefined;
  if (typeof markup !== 'object') throw new TgError(400, "Bad Request: can't parse reply keyboard markup JSON object");
  if ('inline_keyboard' in markup) {
    if (!Array.isArray(markup.inline_keyboard) || !markup.inline_keyboard.every(Array.isArray)) {
      throw new TgError(400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    }
    for (const row of markup.inline_keyboard) {
      for (const btn of row) {
        if (!btn || typeof btn.text !== 'string' || btn.text === '') {
          throw new TgError(400, 'Bad Request: text buttons are unallowed in the inline keyboard');
        }
        if ('callback_data' in btn) {
          const size = Buffer.byteLength(String(btn.callback_data), 'utf8');
          if (size < 1 || size > 64) throw new TgError(400, 'Bad Request: BUTTON_DATA_INVALID');
        } else if ('url' in btn) {
          if (!/^(https?|tg):\/\/\S+$/i.test(String(btn.url))) {
            throw new TgError(400, `Bad Request: inline keyboard button URL '${btn.url}' is invalid: Wrong HTTP URL`);
          }
        } else if (!['switch_inline_query', 'switch_inline_query_current_chat', 'switch_inline_query_chosen_chat',
          'web_app', 'login_url', 'pay', 'callback_game', 'copy_text'].some((k) => k in btn)) {
          throw new TgError(400, 'Bad Request: BUTTON_TYPE_INVALID');
        }
      }
    }
  }
  return markup;
}

// ---------------------------------------------------------------------------------------------
// state
// ---------------------------------------------------------------------------------------------
const state = {
  calls: [],
  callSeq: 0,
  rules: [],
  ruleSeq: 0,
  chats: new Map(), // String(chat id) -> Chat
  bots: new Map(), // token -> {username, first_name}
  commands: new Map(), // token|scope|lang -> [BotCommand]
  botTexts: new Map(), // token|kind|lang -> string
  menuButtons: new Map(), // token|chat -> MenuButton
  files: new Map(), // file_id -> {buffer, ...}
  fileSeq: 0,
  waiters: new Set(),
  activePolls: new Map(), // token -> waiter
  deliveries: [], // webhook deliveries {token, update_id, url, time, status, error}
  deliveryChains: new Map(), // token -> Promise (sequential delivery)
};
const MAX_CALLS = 200000;

function botIdFromToken(token) {
  const m = /^(\d{1,15}):/.exec(String(token));
  if (m) return Number(m[1]);
  const h = crypto.createHash('sha1').update(String(token)).digest();
  return 1000000000 + (h.readUInt32BE(0) % 1000000000);
}

function botUser(token) {
  const cfg = state.bots.get(token) || {};
  return {
    id: botIdFromToken(token),
    is_bot: true,
    first_name: cfg.first_name || CONFIG.botFirstName,
    username: cfg.username || CONFIG.botUsername,
  };
}

function chatKey(id) {
  return String(id);
}

function rememberChat(chat) {
  if (!chat || chat.id === undefined || chat.id === null) return;
  const id = Number(chat.id);
  const c = { ...chat, id: Number.isFinite(id) ? id : chat.id };
  state.chats.set(chatKey(c.id), { ...(state.chats.get(chatKey(c.id)) || {}), ...c });
}

function chatFor(chatIdRaw) {
  if (chatIdRaw === undefined || chatIdRaw === null || chatIdRaw === '') {
    throw new TgError(400, 'Bad Request: chat_id is empty');
  }
  const raw = String(chatIdRaw).trim();
  if (/^-?\d+$/.test(raw)) {
    const id = Number(raw);
    const known = state.chats.get(chatKey(id));
    if (known) return { ...known };
    if (id > 0) return { id, type: 'private', first_name: 'User' };
    if (raw.startsWith('-100') && raw.length >= 14) return { id, type: 'supergroup', title: 'Supergroup' };
    return { id, type: 'group', title: 'Group' };
  }
  if (raw.startsWith('@') && raw.length > 1) {
    for (const c of state.chats.values()) {
      if (c.username && `@${c.username}`.toLowerCase() === raw.toLowerCase()) return { ...c };
    }
    const h = crypto.createHash('sha1').update(raw.toLowerCase()).digest();
    return { id: -1001000000000 - (h.readUInt32BE(0) % 1000000000), type: 'channel', title: raw.slice(1), username: raw.slice(1) };
  }
  throw new TgError(400, 'Bad Request: chat not found');
}

function sameChatId(a, b) {
  return String(a) === String(b);
}

// ---------------------------------------------------------------------------------------------
// call log and fault injection
// ---------------------------------------------------------------------------------------------
function sanitizeParams(params, files) {
  const out = {};
  for (const [k, v] of Object.entries(params)) {
    out[k] = typeof v === 'string' && v.length > 20000 ? `${v.slice(0, 20000)}…` : v;
  }
  for (const [k, f] of Object.entries(files || {})) {
    out[k] = { filename: f.filename, mime_type: f.mime_type, size: f.buffer.length };
  }
  return out;
}

function chatIdValue(v) {
  if (v === undefined || v === null || v === '') return null;
  return /^-?\d+$/.test(String(v)) ? Number(v) : String(v);
}

function recordCall(method, token, params, files, httpMethod) {
  state.callSeq += 1;
  const call = {
    seq: state.callSeq,
    time: Date.now() / 1000,
    method,
    token,
    http_method: httpMethod,
    chat_id: chatIdValue(params.chat_id),
    params: sanitizeParams(params, files),
    status: null,
    error_code: null,
    description: null,
    injected: false,
  };
  state.calls.push(call);
  if (state.calls.length > MAX_CALLS) state.calls.splice(0, state.calls.length - MAX_CALLS);
  return call;
}

function takeRule(method, token, chatId) {
  for (const rule of state.rules) {
    if (rule.remaining === 0) continue;
    if (rule.method !== '*' && rule.method.toLowerCase() !== method.toLowerCase()) continue;
    if (rule.token && rule.token !== token) continue;
    if (rule.chat_id !== null && rule.chat_id !== undefined && !sameChatId(rule.chat_id, chatId)) continue;
    if (rule.remaining > 0) rule.remaining -= 1;
    rule.hits += 1;
    return rule;
  }
  return null;
}

function addRule(body) {
  if (!body || typeof body.method !== 'string' || !body.method) {
    throw new TgError(400, 'Bad Request: rule needs a "method" (a Bot API method name or "*")');
  }
  const times = body.times === undefined || body.times === null ? 1 : Number(body.times);
  if (!Number.isInteger(times) || times === 0 || times < -1) {
    throw new TgError(400, 'Bad Request: "times" must be a positive integer or -1 (forever)');
  }
  const rule = {
    id: `r${++state.ruleSeq}`,
    method: body.method,
    token: body.token || null,
    chat_id: body.chat_id === undefined || body.chat_id === null || body.chat_id === '' ? null : String(body.chat_id),
    remaining: times,
    hits: 0,
    error_code: body.error_code === undefined || body.error_code === null ? null : Number(body.error_code),
    description: body.description || null,
    parameters: body.parameters || null,
    delay_ms: Number(body.delay_ms || 0),
    drop: Boolean(body.drop),
    has_result: Object.prototype.hasOwnProperty.call(body, 'result'),
    result: body.result,
  };
  if (rule.error_code !== null && (!Number.isInteger(rule.error_code) || rule.error_code < 400 || rule.error_code > 599)) {
    throw new TgError(400, 'Bad Request: "error_code" must be an HTTP error status (400..599)');
  }
  if (rule.error_code === 429 && !rule.description) {
    const ra = rule.parameters && rule.parameters.retry_after;
    rule.description = `Too Many Requests: retry after ${ra === undefined ? 1 : ra}`;
  }
  if (rule.error_code !== null && !rule.description) {
    rule.description = DEFAULT_DESCRIPTIONS[rule.error_code] || 'Error';
  }
  state.rules.push(rule);
  return rule;
}

// ---------------------------------------------------------------------------------------------
// bot messages
// ---------------------------------------------------------------------------------------------
let tg; // TelegramServer instance

function findBotRecord(token, chatId, messageId) {
  return tg.storage.botMessages.find((r) => r.botToken === token
    && sameChatId(r.message.chat_id, chatId) && String(r.messageId) === String(messageId));
}

function replyToFor(token, chat, params) {
  let mid = null;
  if (params.reply_parameters && params.reply_parameters.message_id !== undefined) {
    mid = params.reply_parameters.message_id;
  } else if (params.reply_to_message_id !== undefined && params.reply_to_message_id !== '') {
    mid = params.reply_to_message_id;
  }
  if (mid === null) return undefined;
  const bot = findBotRecord(token, chat.id, mid);
  if (bot) {
    const copy = { ...bot.sent };
    delete copy.reply_to_message;
    return copy;
  }
  const user = tg.storage.userMessages.find((u) => u.botToken === token && u.message
    && u.message.chat && sameChatId(u.message.chat.id, chat.id) && String(u.messageId) === String(mid));
  if (user) return TelegramServer.formatUpdate(user).message;
  const allow = params.reply_parameters && isTrue(params.reply_parameters.allow_sending_without_reply);
  if (allow) return undefined;
  throw new TgError(400, 'Bad Request: message to be replied not found');
}

function storeBotMessage(token, params, chat, content) {
  const messageId = tg.messageId;
  const updateId = tg.updateId;
  tg.messageId += 1;
  tg.updateId += 1;
  const sent = {
    message_id: messageId,
    from: botUser(token),
    date: nowSec(),
    chat,
    ...content,
  };
  if (params.message_thread_id !== undefined && params.message_thread_id !== '') {
    sent.message_thread_id = Number(params.message_thread_id);
    if (chat.is_forum) sent.is_topic_message = true;
  }
  const reply = replyToFor(token, chat, params);
  if (reply) sent.reply_to_message = reply;
  if (params.link_preview_options) sent.link_preview_options = params.link_preview_options;
  if (params.reply_markup && 'inline_keyboard' in params.reply_markup) sent.reply_markup = params.reply_markup;
  const message = { ...params, chat_id: String(params.chat_id) };
  const record = {
    time: Date.now(),
    botToken: token,
    message,
    updateId,
    messageId,
    isRead: false,
    role: 'bot',
    editCount: 0,
    sent,
  };
  tg.storage.botMessages.push(record);
  tg.emit('AddedBotMessage');
  return record;
}

function textContent(params, field, limit, tooLong) {
  const raw = params[field];
  const parsed = formatText(String(raw), params.parse_mode, params[field === 'text' ? 'entities' : 'caption_entities']);
  if (parsed.text.length > limit) throw new TgError(400, tooLong);
  return parsed;
}

function sendMessage({ token, params }) {
  const chat = chatFor(params.chat_id);
  if (params.text === undefined || params.text === null || String(params.text).trim() === '') {
    throw new TgError(400, 'Bad Request: message text is empty');
  }
  validateReplyMarkup(params.reply_markup);
  const parsed = textContent(params, 'text', 4096, 'Bad Request: message is too long');
  if (parsed.text.trim() === '') throw new TgError(400, 'Bad Request: message text is empty');
  const content = { text: parsed.text };
  if (parsed.entities.length) content.entities = parsed.entities;
  return storeBotMessage(token, params, chat, content).sent;
}

function editTarget(token, params) {
  if (params.inline_message_id) return null;
  if (params.chat_id === undefined || params.message_id === undefined) {
    throw new TgError(400, 'Bad Request: message identifier is not specified');
  }
  const record = findBotRecord(token, params.chat_id, params.message_id);
  if (!record) throw new TgError(400, 'Bad Request: message to edit not found');
  return record;
}

const NOT_MODIFIED = 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

function applyEdit(record, params, changes) {
  const before = JSON.stringify([record.sent.text, record.sent.entities, record.sent.caption,
    record.sent.caption_entities, record.sent.reply_markup]);
  const next = { ...record.sent, ...changes };
  for (const k of Object.keys(changes)) if (changes[k] === undefined) delete next[k];
  const after = JSON.stringify([next.text, next.entities, next.caption, next.caption_entities, next.reply_markup]);
  if (before === after) throw new TgError(400, NOT_MODIFIED);
  next.edit_date = nowSec();
  record.sent = next;
  const message = { ...record.message };
  for (const k of ['text', 'caption', 'parse_mode', 'entities', 'caption_entities', 'reply_markup']) {
    if (k in params) message[k] = params[k];
  }
  if (!('reply_markup' in params)) delete message.reply_markup;
  if (('text' in params || 'caption' in params) && !('parse_mode' in params)) delete message.parse_mode;
  record.message = message;
  record.editCount += 1;
  record.editTime = Date.now();
  return next;
}

function editMessageText({ token, params }) {
  if (params.text === undefined || params.text === null || String(params.text).trim() === '') {
    throw new TgError(400, 'Bad Request: message text is empty');
  }
  validateReplyMarkup(params.reply_markup);
  const record = editTarget(token, params);
  const parsed = textContent(params, 'text', 4096, 'Bad Request: MESSAGE_TOO_LONG');
  if (!record) return true;
  if (record.sent.text === undefined) throw new TgError(400, 'Bad Request: there is no text in the message to edit');
  const edited = applyEdit(record, params, {
    text: parsed.text,
    entities: parsed.entities.length ? parsed.entities : undefined,
    reply_markup: params.reply_markup && 'inline_keyboard' in params.reply_markup ? params.reply_markup : undefined,
  });
  tg.emit('EditedMessageText');
  return edited;
}

function editMessageCaption({ token, params }) {
  validateReplyMarkup(params.reply_markup);
  const record = editTarget(token, params);
  const parsed = params.caption === undefined ? { text: '', entities: [] }
    : textContent(params, 'caption', 1024, 'Bad Request: message caption is too long');
  if (!record) return true;
  if (record.sent.text !== undefined) throw new TgError(400, 'Bad Request: there is no caption in the message to edit');
  const edited = applyEdit(record, params, {
    caption: parsed.text || undefined,
    caption_entities: parsed.entities.length ? parsed.entities : undefined,
    reply_markup: params.reply_markup && 'inline_keyboard' in params.reply_markup ? params.reply_markup : undefined,
  });
  tg.emit('EditedMessageText');
  return edited;
}

function editMessageReplyMarkup({ token, params }) {
  validateReplyMarkup(params.reply_markup);
  const record = editTarget(token, params);
  if (!record) return true;
  const edited = applyEdit(record, { ...record.message, reply_markup: params.reply_markup }, {
    reply_markup: params.reply_markup && 'inline_keyboard' in params.reply_markup ? params.reply_markup : undefined,
  });
  if (!params.reply_markup) delete record.message.reply_markup;
  tg.emit('EditedMessageReplyMarkup');
  return edited;
}

function deleteOne(token, chatId, messageId) {
  const bot = tg.storage.botMessages.findIndex((r) => r.botToken === token
    && sameChatId(r.message.chat_id, chatId) && String(r.messageId) === String(messageId));
  if (bot >= 0) {
    tg.storage.botMessages.splice(bot, 1);
    return true;
  }
  const user = tg.storage.userMessages.findIndex((u) => u.botToken === token && u.message
    && u.message.chat && sameChatId(u.message.chat.id, chatId) && String(u.messageId) === String(messageId));
  if (user >= 0) {
    tg.storage.userMessages.splice(user, 1);
    return true;
  }
  return false;
}

function deleteMessage({ token, params }) {
  chatFor(params.chat_id);
  if (params.message_id === undefined || params.message_id === '') {
    throw new TgError(400, 'Bad Request: message identifier is not specified');
  }
  if (!deleteOne(token, params.chat_id, params.message_id)) {
    throw new TgError(400, 'Bad Request: message to delete not found');
  }
  return true;
}

function deleteMessages({ token, params }) {
  chatFor(params.chat_id);
  const ids = Array.isArray(params.message_ids) ? params.message_ids : [];
  if (!ids.length) throw new TgError(400, 'Bad Request: message identifiers are not specified');
  ids.forEach((id) => deleteOne(token, params.chat_id, id));
  return true;
}

// --- files ---------------------------------------------------------------------------------------
function imageSize(buf) {
  if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47 && buf.toString('ascii', 12, 16) === 'IHDR') {
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), kind: 'png' };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) { i += 1; continue; }
      const marker = buf[i + 1];
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
      const len = buf.readUInt16BE(i + 2);
      if ((marker >= 0xc0 && marker <= 0xcf) && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7), kind: 'jpeg' };
      }
      i += 2 + len;
    }
    return { width: 0, height: 0, kind: 'jpeg' };
  }
  return null;
}

function storeFile(buffer, meta, kind) {
  state.fileSeq += 1;
  const uniq = crypto.createHash('sha256').update(buffer).digest('hex');
  const fileId = `emu-${kind}-${state.fileSeq}-${uniq.slice(0, 16)}`;
  const ext = (meta.filename && /\.([A-Za-z0-9]{1,8})$/.exec(meta.filename)) || null;
  const entry = {
    file_id: fileId,
    file_unique_id: uniq.slice(0, 16),
    file_size: buffer.length,
    file_path: `${kind}s/file_${state.fileSeq}${ext ? `.${ext[1]}` : ''}`,
    filename: meta.filename || null,
    mime_type: meta.mime_type || null,
    sha256: uniq,
    buffer,
  };
  state.files.set(fileId, entry);
  return entry;
}

function resolveInputFile(params, files, field) {
  const v = params[field];
  let part = files[field];
  if (!part && typeof v === 'string' && v.startsWith('attach://')) part = files[v.slice(9)];
  if (part) {
    if (!part.buffer.length) throw new TgError(400, 'Bad Request: file must be non-empty');
    if (part.truncated) throw new TgError(413, 'Request Entity Too Large');
    return { entry: storeFile(part.buffer, part, field === 'photo' ? 'photo' : 'document'), uploaded: true };
  }
  if (typeof v === 'string' && v) {
    const known = state.files.get(v);
    if (known) return { entry: known, uploaded: false };
    if (/^https?:\/\//i.test(v)) {
      return {
        entry: {
          file_id: `emu-url-${crypto.createHash('sha1').update(v).digest('hex').slice(0, 16)}`,
          file_unique_id: crypto.createHash('sha1').update(v).digest('hex').slice(0, 16),
          file_size: 0,
          url: v,
          filename: null,
          mime_type: null,
        },
        uploaded: false,
      };
    }
    throw new TgError(400, 'Bad Request: wrong file identifier/HTTP URL specified');
  }
  throw new TgError(400, `Bad Request: there is no ${field} in the request`);
}

function captionContent(params) {
  const content = {};
  if (params.caption !== undefined && params.caption !== '') {
    const parsed = textContent(params, 'caption', 1024, 'Bad Request: message caption is too long');
    if (parsed.text) content.caption = parsed.text;
    if (parsed.entities.length) content.caption_entities = parsed.entities;
  }
  return content;
}

function sendPhoto({ token, params, files }) {
  const chat = chatFor(params.chat_id);
  validateReplyMarkup(params.reply_markup);
  const content = captionContent(params);
  const { entry } = resolveInputFile(params, files, 'photo');
  if (entry.buffer) {
    const size = imageSize(entry.buffer);
    if (!size) throw new TgError(400, 'Bad Request: IMAGE_PROCESS_FAILED');
    if (entry.file_size > 10 * 1024 * 1024) throw new TgError(400, 'Bad Request: PHOTO_INVALID_DIMENSIONS');
    entry.width = size.width;
    entry.height = size.height;
  }
  content.photo = [{
    file_id: entry.file_id,
    file_unique_id: entry.file_unique_id,
    file_size: entry.file_size,
    width: entry.width || 0,
    height: entry.height || 0,
  }];
  const stored = { ...params, photo: { ...content.photo[0], filename: entry.filename, mime_type: entry.mime_type, sha256: entry.sha256 || null, url: entry.url || null } };
  return storeBotMessage(token, stored, chat, content).sent;
}

function sendDocument({ token, params, files }) {
  const chat = chatFor(params.chat_id);
  validateReplyMarkup(params.reply_markup);
  const content = captionContent(params);
  const { entry } = resolveInputFile(params, files, 'document');
  content.document = {
    file_id: entry.file_id,
    file_unique_id: entry.file_unique_id,
    file_size: entry.file_size,
  };
  if (entry.filename) content.document.file_name = entry.filename;
  if (entry.mime_type) content.document.mime_type = entry.mime_type;
  const stored = { ...params, document: { ...content.document, sha256: entry.sha256 || null, url: entry.url || null } };
  return storeBotMessage(token, stored, chat, content).sent;
}

function getFile({ params }) {
  const entry = state.files.get(String(params.file_id || ''));
  if (!entry || !entry.buffer) throw new TgError(400, 'Bad Request: invalid file_id');
  return {
    file_id: entry.file_id,
    file_unique_id: entry.file_unique_id,
    file_size: entry.file_size,
    file_path: entry.file_path,
  };
}

// --- updates (bot side) ----------------------------------------------------------------------------
function pendingUpdates(token) {
  return tg.storage.userMessages.filter((u) => u.botToken === token && !u.isRead);
}

function confirmUpdates(token, offset) {
  if (offset === null) return;
  const pend = pendingUpdates(token);
  if (offset < 0) {
    const keep = Math.min(-offset, pend.length);
    pend.slice(0, pend.length - keep).forEach((u) => { u.isRead = true; });
    return;
  }
  pend.forEach((u) => { if (u.updateId < offset) u.isRead = true; });
}

function selectUpdates(token, limit) {
  return pendingUpdates(token).slice(0, limit);
}

function waitForUpdate(token, ms, res) {
  return new Promise((resolve) => {
    const waiter = {
      token,
      done: false,
      finish: (why) => {
        if (waiter.done) return;
        waiter.done = true;
        clearTimeout(timer);
        state.waiters.delete(waiter);
        if (state.activePolls.get(token) === waiter) state.activePolls.delete(token);
        res.removeListener('close', onClose);
        resolve(why);
      },
    };
    const onClose = () => waiter.finish('closed');
    const timer = setTimeout(() => waiter.finish('timeout'), ms);
    res.on('close', onClose);
    const previous = state.activePolls.get(token);
    if (previous) previous.finish('conflict');
    state.activePolls.set(token, waiter);
    state.waiters.add(waiter);
  });
}

function wakePollers(token) {
  for (const w of [...state.waiters]) {
    if (!token || w.token === token) w.finish('update');
  }
}

async function getUpdates({ token, params, res }) {
  if (tg.webhooks[token]) {
    throw new TgError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
  }
  const offset = params.offset === undefined || params.offset === '' ? null : Number(params.offset);
  const limitRaw = Number(params.limit || 100);
  const limit = Math.min(Math.max(Number.isFinite(limitRaw) ? limitRaw : 100, 1), 100);
  const timeoutRaw = Number(params.timeout || 0);
  const timeout = Math.min(Math.max(Number.isFinite(timeoutRaw) ? timeoutRaw : 0, 0), CONFIG.maxPollTimeout);
  const previous = state.activePolls.get(token);
  if (previous) previous.finish('conflict');
  confirmUpdates(token, Number.isFinite(offset) ? offset : null);
  let result = selectUpdates(token, limit);
  const deadline = Date.now() + timeout * 1000;
  while (!result.length && Date.now() < deadline) {
    // eslint-disable-next-line no-await-in-loop
    const why = await waitForUpdate(token, deadline - Date.now(), res);
    if (why === 'closed' || !responseOpen(res)) return NO_REPLY;
    if (why === 'conflict') {
      throw new TgError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    }
    result = selectUpdates(token, limit);
  }
  return result.map((u) => TelegramServer.formatUpdate(u));
}

// --- misc methods --------------------------------------------------------------------------------
function scopeKey(token, params) {
  return `${token}|${JSON.stringify(params.scope || { type: 'default' })}|${params.language_code || ''}`;
}

function setMyCommands({ token, params }) {
  const cmds = params.commands;
  if (!Array.isArray(cmds)) throw new TgError(400, "Bad Request: can't parse commands JSON object");
  if (cmds.length > 100) throw new TgError(400, 'Bad Request: too many commands specified');
  for (const c of cmds) {
    if (!c || typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) {
      throw new TgError(400, 'Bad Request: BOT_COMMAND_INVALID');
    }
    if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) {
      throw new TgError(400, 'Bad Request: command description must be non-empty');
    }
  }
  state.commands.set(scopeKey(token, params), cmds.map((c) => ({ command: c.command, description: c.description })));
  return true;
}

function textSetter(kind, field, limit) {
  return ({ token, params }) => {
    const v = params[field] === undefined ? '' : String(params[field]);
    if (v.length > limit) throw new TgError(400, `Bad Request: ${kind} is too long`);
    state.botTexts.set(`${token}|${kind}|${params.language_code || ''}`, v);
    return true;
  };
}

function textGetter(kind, field, fallback) {
  return ({ token, params }) => {
    const v = state.botTexts.get(`${token}|${kind}|${params.language_code || ''}`);
    return { [field]: v === undefined ? (fallback ? fallback(token) : '') : v };
  };
}

function requireChat({ params }) {
  chatFor(params.chat_id);
  return true;
}

const CHAT_ACTIONS = new Set(['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice',
  'upload_voice', 'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note']);

const HANDLERS = {
  getMe: ({ token }) => ({
    ...botUser(token),
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  }),
  logOut: () => true,
  close: () => true,
  getUpdates,
  setWebhook: ({ token, params }) => {
    if (!params.url) {
      tg.deleteWebhook(token);
      return true;
    }
    if (!/^https?:\/\//i.test(String(params.url))) throw new TgError(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
    tg.setWebhook({ url: String(params.url), secret_token: params.secret_token || null }, token);
    if (isTrue(params.drop_pending_updates)) pendingUpdates(token).forEach((u) => { u.isRead = true; });
    wakePollers(token);
    return true;
  },
  deleteWebhook: ({ token, params }) => {
    tg.deleteWebhook(token);
    if (isTrue(params.drop_pending_updates)) pendingUpdates(token).forEach((u) => { u.isRead = true; });
    return true;
  },
  getWebhookInfo: ({ token }) => {
    const wh = tg.webhooks[token];
    return {
      url: wh ? wh.url : '',
      has_custom_certificate: false,
      pending_update_count: wh ? 0 : pendingUpdates(token).length,
    };
  },
  sendMessage,
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  deleteMessages,
  sendPhoto,
  sendDocument,
  getFile,
  sendChatAction: ({ params }) => {
    chatFor(params.chat_id);
    if (!CHAT_ACTIONS.has(String(params.action))) throw new TgError(400, 'Bad Request: wrong parameter action in request');
    return true;
  },
  answerCallbackQuery: ({ params }) => {
    if (!params.callback_query_id) throw new TgError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
    if (params.text && String(params.text).length > 200) throw new TgError(400, 'Bad Request: MESSAGE_TOO_LONG');
    return true;
  },
  setMyCommands,
  getMyCommands: ({ token, params }) => clone(state.commands.get(scopeKey(token, params)) || []),
  deleteMyCommands: ({ token, params }) => {
    state.commands.delete(scopeKey(token, params));
    return true;
  },
  setChatMenuButton: ({ token, params }) => {
    state.menuButtons.set(`${token}|${params.chat_id || ''}`, params.menu_button || { type: 'default' });
    return true;
  },
  getChatMenuButton: ({ token, params }) => clone(state.menuButtons.get(`${token}|${params.chat_id || ''}`)
    || state.menuButtons.get(`${token}|`) || { type: 'default' }),
  setMyName: textSetter('name', 'name', 64),
  getMyName: textGetter('name', 'name', (token) => botUser(token).first_name),
  setMyDescription: textSetter('description', 'description', 512),
  getMyDescription: textGetter('description', 'description'),
  setMyShortDescription: textSetter('short_description', 'short_description', 120),
  getMyShortDescription: textGetter('short_description', 'short_description'),
  setMyDefaultAdministratorRights: () => true,
  getMyDefaultAdministratorRights: () => ({
    is_anonymous: false,
    can_manage_chat: false,
    can_delete_messages: false,
    can_manage_video_chats: false,
    can_restrict_members: false,
    can_promote_members: false,
    can_change_info: false,
    can_invite_users: false,
    can_post_stories: false,
    can_edit_stories: false,
    can_delete_stories: false,
  }),
  getChat: ({ params }) => ({
    ...chatFor(params.chat_id),
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: {
      unlimited_gifts: false,
      limited_gifts: false,
      unique_gifts: false,
      premium_subscription: false,
      gifts_from_channels: false,
    },
  }),
  getChatMember: ({ params }) => {
    chatFor(params.chat_id);
    return { status: 'member', user: { id: Number(params.user_id), is_bot: false, first_name: 'User' } };
  },
  getChatMemberCount: ({ params }) => {
    const chat = chatFor(params.chat_id);
    return chat.type === 'private' ? 2 : 3;
  },
  getChatAdministrators: ({ params }) => {
    chatFor(params.chat_id);
    return [];
  },
  leaveChat: requireChat,
  pinChatMessage: requireChat,
  unpinChatMessage: requireChat,
  unpinAllChatMessages: requireChat,
  setMessageReaction: requireChat,
};

const HANDLER_BY_LOWER = new Map(Object.keys(HANDLERS).map((k) => [k.toLowerCase(), k]));

// ---------------------------------------------------------------------------------------------
// user side (a test acting as a person)
// ---------------------------------------------------------------------------------------------
function userError(res, code, description) {
  sendTgError(res, code, description);
}

function normalizeUserMessage(body, isCommand) {
  const msg = { ...body };
  delete msg.botToken;
  if (!msg.chat || msg.chat.id === undefined) {
    if (msg.from && msg.from.id !== undefined) {
      msg.chat = { id: msg.from.id, type: 'private', first_name: msg.from.first_name || 'User' };
    } else {
      throw new TgError(400, 'Bad Request: a user message needs "chat" (with "id") or "from"');
    }
  }
  if (!msg.from) msg.from = { id: Math.abs(Number(msg.chat.id)) || 1, is_bot: false, first_name: 'User' };
  if (msg.from.is_bot === undefined) msg.from = { ...msg.from, is_bot: false };
  msg.chat = { ...msg.chat, id: Number(msg.chat.id) };
  msg.date = toSeconds(msg.date);
  if (typeof msg.text !== 'string') throw new TgError(400, 'Bad Request: "text" must be a string');
  if (isCommand && !msg.entities) {
    const m = /^\/[^\s]+/.exec(msg.text);
    if (!m) throw new TgError(400, 'Bad Request: a command must start with "/"');
    msg.entities = [{ offset: 0, length: m[0].length, type: 'bot_command' }];
  }
  if (msg.message_thread_id !== undefined && msg.chat.is_forum && msg.is_topic_message === undefined) {
    msg.is_topic_message = true;
  }
  return msg;
}

// Webhook deliveries run in the background, one at a time per bot (like Telegram: the sender
// never waits for the bot). A test whose bot runs in its own event loop would otherwise deadlock.
function postWebhook(update, webhook) {
  const token = update.botToken;
  const delivery = {
    token,
    update_id: update.updateId,
    url: webhook.url,
    time: Date.now() / 1000,
    status: null,
    error: null,
  };
  state.deliveries.push(delivery);
  if (state.deliveries.length > 10000) state.deliveries.splice(0, state.deliveries.length - 10000);
  const headers = { 'Content-Type': 'application/json' };
  if (webhook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token;
  const previous = state.deliveryChains.get(token) || Promise.resolve();
  const next = previous.then(async () => {
    try {
      const resp = await axios({
        url: webhook.url,
        method: 'POST',
        data: TelegramServer.formatUpdate(update),
        headers,
        timeout: 10000,
        validateStatus: () => true,
      });
      delivery.status = resp.status;
      if (resp.status > 299) {
        delivery.error = `HTTP ${resp.status}`;
        log(`webhook ${webhook.url} answered HTTP ${resp.status} for update ${update.updateId}`);
      }
    } catch (e) {
      delivery.error = String(e && e.message);
      log(`webhook ${webhook.url} failed for update ${update.updateId}: ${delivery.error}`);
    }
  });
  state.deliveryChains.set(token, next);
}

function deliverUserUpdate(update) {
  rememberChat(update.message ? update.message.chat : (update.callbackQuery.message || {}).chat);
  const webhook = tg.webhooks[update.botToken];
  if (webhook) update.isRead = true;
  tg.storage.userMessages.push(update);
  if (webhook) postWebhook(update, webhook);
}

function userRoute(kind) {
  return async (req, res) => {
    try {
      const body = req.body || {};
      if (!body.botToken) throw new TgError(400, 'Bad Request: "botToken" is required');
      const updateId = tg.updateId;
      tg.updateId += 1;
      const base = { time: Date.now(), botToken: body.botToken, updateId, isRead: false, role: 'user' };
      let update;
      if (kind === 'callback') {
        const cq = { ...body };
        delete cq.botToken;
        if (cq.data === undefined) throw new TgError(400, 'Bad Request: a callback needs "data"');
        if (!cq.from) throw new TgError(400, 'Bad Request: a callback needs "from"');
        cq.from = { is_bot: false, ...cq.from };
        if (cq.message && cq.message.message_id !== undefined && cq.message.chat) {
          const rec = findBotRecord(body.botToken, cq.message.chat.id, cq.message.message_id);
          cq.message = rec ? clone(rec.sent) : { ...cq.message, date: toSeconds(cq.message.date) };
        }
        if (cq.chat_instance === undefined) {
          cq.chat_instance = String(cq.message && cq.message.chat ? cq.message.chat.id : cq.from.id);
        }
        tg.callbackId += 1;
        update = { ...base, messageId: tg.messageId, callbackQuery: cq, callbackId: tg.callbackId - 1 };
      } else {
        const message = normalizeUserMessage(body, kind === 'command');
        const messageId = tg.messageId;
        tg.messageId += 1;
        update = { ...base, messageId, message };
        if (kind === 'command') update.entities = message.entities;
      }
      deliverUserUpdate(update);
      tg.emit(kind === 'callback' ? 'AddedUserCallbackQuery' : (kind === 'command' ? 'AddedUserCommand' : 'AddedUserMessage'));
      wakePollers(body.botToken);
      sendOk(res, {
        update_id: update.updateId,
        message_id: update.message ? update.messageId : undefined,
        callback_query_id: update.callbackQuery ? String(update.callbackId) : undefined,
      });
    } catch (e) {
      if (e instanceof TgError) userError(res, e.code, e.description);
      else {
        log('user route error:', e && e.stack ? e.stack : String(e));
        userError(res, 500, `Internal Server Error: ${e && e.message}`);
      }
    }
  };
}

function formatUpdate(update) {
  if ('callbackQuery' in update) {
    const cq = update.callbackQuery;
    const out = {
      id: String(update.callbackId),
      from: cq.from,
      chat_instance: String(cq.chat_instance !== undefined ? cq.chat_instance
        : (cq.message && cq.message.chat ? cq.message.chat.id : (cq.from || {}).id)),
    };
    if (cq.message) out.message = { ...cq.message, date: toSeconds(cq.message.date) };
    if (cq.inline_message_id) out.inline_message_id = cq.inline_message_id;
    if (cq.data !== undefined) out.data = String(cq.data);
    if (cq.game_short_name) out.game_short_name = cq.game_short_name;
    return { update_id: update.updateId, callback_query: out };
  }
  const message = { ...update.message, message_id: update.messageId };
  delete message.botToken;
  message.date = toSeconds(message.date);
  return { update_id: update.updateId, message };
}

// ---------------------------------------------------------------------------------------------
// routes, registered before the library's own
// ---------------------------------------------------------------------------------------------
function registerRoutes(app) {
  // JSON/urlencoded body-parser errors (they run before these routes) -> Telegram-shaped 400.
  // eslint-disable-next-line no-unused-vars
  app.use((err, _req, res, _next) => {
    const status = Number(err.status || err.statusCode || 400);
    sendTgError(res, status, `Bad Request: ${err.message}`);
  });

  // ---- test control --------------------------------------------------------------------------
  app.get('/_control/health', (_req, res) => sendOk(res, {
    pid: process.pid,
    host: CONFIG.host,
    port: tg.config.port,
    bot_username: CONFIG.botUsername,
    validate_html: CONFIG.validateHtml,
  }));
  const addRuleRoute = (req, res) => {
    try {
      const rule = addRule(req.body || {});
      sendOk(res, { id: rule.id });
    } catch (e) {
      sendTgError(res, e.code || 400, e.description || e.message);
    }
  };
  app.post('/_control/fail', addRuleRoute);
  app.post('/_control/rules', addRuleRoute);
  app.get('/_control/rules', (_req, res) => sendOk(res, state.rules.map((r) => ({ ...r }))));
  app.delete('/_control/rules', (req, res) => {
    const token = (req.body && req.body.token) || req.query.token;
    const before = state.rules.length;
    state.rules = token ? state.rules.filter((r) => r.token !== token) : [];
    sendOk(res, { removed: before - state.rules.length });
  });
  app.get('/_control/calls', (req, res) => {
    const q = req.query;
    const since = q.since_seq ? Number(q.since_seq) : 0;
    const methods = q.method ? String(q.method).toLowerCase().split(',') : null;
    const result = state.calls.filter((c) => (c.seq > since)
      && (!q.token || c.token === q.token)
      && (!methods || methods.includes(c.method.toLowerCase()))
      && (q.chat_id === undefined || sameChatId(c.chat_id, q.chat_id)));
    sendOk(res, result);
  });
  app.delete('/_control/calls', (req, res) => {
    const token = (req.body && req.body.token) || req.query.token;
    const before = state.calls.length;
    state.calls = token ? state.calls.filter((c) => c.token !== token) : [];
    sendOk(res, { removed: before - state.calls.length });
  });
  app.get('/_control/webhook_deliveries', (req, res) => {
    const { token } = req.query;
    sendOk(res, state.deliveries.filter((d) => !token || d.token === token));
  });
  app.post('/_control/bot', (req, res) => {
    const b = req.body || {};
    if (!b.token) {
      sendTgError(res, 400, 'Bad Request: "token" is required');
      return;
    }
    state.bots.set(b.token, { username: b.username, first_name: b.first_name });
    sendOk(res, botUser(b.token));
  });
  app.get('/_control/files/:fileId', (req, res) => {
    const entry = state.files.get(req.params.fileId);
    if (!entry || !entry.buffer) {
      sendTgError(res, 404, 'Not Found: no such file');
      return;
    }
    res.status(200).type(entry.mime_type || 'application/octet-stream').send(entry.buffer);
  });
  app.post('/_control/reset', (_req, res) => {
    state.calls = [];
    state.rules = [];
    state.commands.clear();
    state.botTexts.clear();
    state.menuButtons.clear();
    state.files.clear();
    state.bots.clear();
    tg.storage.userMessages = [];
    tg.storage.botMessages = [];
    wakePollers(null);
    sendOk(res, true);
  });

  // ---- user side -----------------------------------------------------------------------------
  app.post('/sendMessage', userRoute('message'));
  app.post('/sendCommand', userRoute('command'));
  app.post('/sendCallback', userRoute('callback'));
  app.post('/getUpdates', (req, res) => {
    const b = req.body || {};
    if (!b.token) {
      sendTgError(res, 400, 'Bad Request: "token" is required');
      return;
    }
    const thread = b.messageThreadId === undefined || b.messageThreadId === null ? null : String(b.messageThreadId);
    const messages = tg.storage.botMessages.filter((r) => r.botToken === b.token
      && (b.chatId === undefined || b.chatId === null || sameChatId(r.message.chat_id, b.chatId))
      && (thread === null || String(r.sent.message_thread_id) === thread)
      && !r.isRead);
    messages.forEach((r) => { r.isRead = true; });
    sendOk(res, messages);
  });
  app.post('/getUpdatesHistory', (req, res) => {
    const b = req.body || {};
    if (!b.token) {
      sendTgError(res, 400, 'Bad Request: "token" is required');
      return;
    }
    sendOk(res, tg.getUpdatesHistory(b.token));
  });

  // ---- file downloads (Bot API file URL) -----------------------------------------------------
  app.get('/file/bot:token/*', (req, res) => {
    const path = req.params[0];
    for (const entry of state.files.values()) {
      if (entry.file_path === path && entry.buffer) {
        res.status(200).type(entry.mime_type || 'application/octet-stream').send(entry.buffer);
        return;
      }
    }
    sendTgError(res, 404, 'Not Found');
  });

  // ---- bot side ------------------------------------------------------------------------------
  app.all('/bot:token/:method', async (req, res) => {
    const { token } = req.params;
    const requested = req.params.method;
    const canonical = HANDLER_BY_LOWER.get(String(requested).toLowerCase());
    const method = canonical || requested;
    let call = null;
    try {
      if (req.method !== 'GET' && req.method !== 'POST') {
        throw new TgError(405, `Method Not Allowed: HTTP method ${req.method} is not supported`);
      }
      let fields = {};
      let files = {};
      if (isMultipart(req)) ({ fields, files } = await parseMultipart(req));
      let params;
      try {
        params = normalizeParams({ ...req.query, ...(req.body || {}), ...fields });
      } finally {
        call = recordCall(method, token, params || {}, files, req.method);
        res.on('finish', () => {
          call.status = res.statusCode;
          call.duration_ms = Math.round((Date.now() / 1000 - call.time) * 1000);
        });
      }
      const rule = takeRule(method, token, params.chat_id);
      if (rule) {
        call.injected = true;
        call.rule = rule.id;
        if (rule.delay_ms > 0) await sleep(rule.delay_ms);
        if (rule.drop) {
          call.error_code = 'dropped';
          req.socket.destroy();
          return;
        }
        if (rule.error_code !== null) {
          call.error_code = rule.error_code;
          call.description = rule.description;
          sendTgError(res, rule.error_code, rule.description, rule.parameters);
          return;
        }
        if (rule.has_result) {
          sendOk(res, rule.result);
          return;
        }
      }
      if (!canonical) {
        log(`unsupported Bot API method ${requested} (answering 404 like Telegram does)`);
        throw new TgError(404, 'Not Found: method not found');
      }
      const result = await HANDLERS[canonical]({ token, params, files, req, res, method });
      if (result === NO_REPLY) return;
      sendOk(res, result);
    } catch (e) {
      if (e instanceof TgError) {
        if (call) {
          call.error_code = e.code;
          call.description = e.description;
        }
        sendTgError(res, e.code, e.description, e.parameters);
      } else {
        log(`error in ${method}:`, e && e.stack ? e.stack : String(e));
        if (call) {
          call.error_code = 500;
          call.description = String(e && e.message);
        }
        sendTgError(res, 500, `Internal Server Error: ${e && e.message}`);
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------
async function main() {
  TelegramServer.formatUpdate = formatUpdate;
  routes.unshift((app) => registerRoutes(app));
  tg = new TelegramServer({ host: CONFIG.host, port: CONFIG.port || 9000, storeTimeout: CONFIG.storeTimeout });
  // normalizeConfig turns port 0 into 9000; listen on the requested port (0 = any free port).
  tg.config.port = CONFIG.port;
  tg.on('AddedUserMessage', () => wakePollers(null));
  tg.on('AddedUserCommand', () => wakePollers(null));
  tg.on('AddedUserCallbackQuery', () => wakePollers(null));
  await tg.start();
  const { port } = tg.server.address();
  tg.config.port = port;
  tg.config.apiURL = `${tg.config.protocol}://${CONFIG.host}:${port}`;
  process.stdout.write(`LISTENING ${CONFIG.host}:${port}\n`);
  log(`telegram-test-api emulator listening on ${CONFIG.host}:${port} (pid ${process.pid})`);

  let stopping = false;
  const shutdown = async (why) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    wakePollers(null);
    const force = setTimeout(() => process.exit(0), 2000);
    force.unref();
    try {
      await tg.stop();
    } catch (e) {
      log('stop failed:', String(e));
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (CONFIG.exitOnStdinClose) {
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume();
  }
}

main().catch((e) => {
  log('failed to start:', e && e.stack ? e.stack : String(e));
  process.exit(1);
});
