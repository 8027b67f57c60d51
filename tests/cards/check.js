// Checks Adaptive Cards the way Teams will take them, with Microsoft's own `adaptivecards` SDK.
//
// Usage: node check.js cards.json  (a JSON object: card name -> card)
// Prints a JSON object: card name -> list of problems (an empty list when the card is fine).
//
// A problem is anything the SDK reports while parsing or validating at Teams' limits (schema 1.5,
// at most 6 actions in a set, unique input ids, labelled inputs...), a property the SDK's schema
// lacks at 1.5 (misspelt, unknown or newer: Teams would ignore it too), and what Teams is known to
// show badly although the SDK accepts it: action titles cut short at a 560 px card, text that
// does not wrap, Markdown code spans (Teams shows the backticks), a card over 80 KB.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
// The package's `main` is untranspiled ES modules; its bundle loads in Node as it is.
const AC = require("adaptivecards/dist/adaptivecards.js");

const HOST_CONFIG = JSON.parse(
  fs.readFileSync(path.join(__dirname, "teams-host-config.json"), "utf8"),
);
// Teams renders bot cards up to 1.5.
const TARGET = AC.Versions.v1_5;
// The narrowest card the team checks against: a chat pane beside the Teams app bar.
const CARD_WIDTH = 560;
const PADDING = HOST_CONFIG.spacing.padding;
const BUTTON_SPACING = HOST_CONFIG.actions.buttonSpacing;
// Teams shares a row of buttons equally and cuts each title with an ellipsis. Its buttons are
// 14 px semibold Segoe UI (about 7.5 px a character on average) with 12 px padding each side;
// with these figures six buttons fit 7 characters each, as seen: "0 · Fist" shows as "0 …".
const CHAR_WIDTH = 7.5;
const WIDE_CHAR_WIDTH = 15;
const BUTTON_PADDING = 24;
const MAX_CARD_BYTES = 80000;
// Keys the SDK does not model but Teams reads, by where they sit.
const HOST_KEYS = new Set(["$schema", "msteams"]);

function textWidth(text) {
  let width = 0;
  for (const ch of text) {
    width += ch.codePointAt(0) > 0x2000 ? WIDE_CHAR_WIDTH : CHAR_WIDTH;
  }
  return width;
}

// Keys every element and action may carry besides its schema's: what to show where the type is
// unknown (the SDK reads it while parsing, not as a property).
const EVERYWHERE = new Set(["type", "fallback"]);
// Containers parse their children themselves, outside their schema.
const CHILDREN = {
  AdaptiveCard: ["body", "actions"],
  Container: ["items"],
  Column: ["items"],
  ColumnSet: ["columns"],
  ActionSet: ["actions"],
  "Action.ShowCard": ["card"],
};

function knownKeys(type) {
  const instance =
    type === "AdaptiveCard"
      ? new AC.AdaptiveCard()
      : AC.GlobalRegistry.elements.createInstance(type, TARGET) ||
        AC.GlobalRegistry.actions.createInstance(type, TARGET);
  if (!instance) {
    return undefined;
  }
  const schema = instance.getSchema();
  const names = new Set([...EVERYWHERE, ...(CHILDREN[type] || [])]);
  for (let i = 0; i < schema.getCount(); i++) {
    const property = schema.getItemAt(i);
    if (AC.isVersionLessOrEqual(property.targetVersion, TARGET)) {
      names.add(property.name);
    }
  }
  return names;
}

// Keys of typed objects that the SDK's schema for that type does not have at 1.5: misspelt,
// unknown or newer, Teams ignores them. (Unknown types the parse itself reports.)
function unknownKeys(node, where, problems) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => unknownKeys(item, `${where}[${i}]`, problems));
    return;
  }
  if (node === null || typeof node !== "object") {
    return;
  }
  const known = typeof node.type === "string" ? knownKeys(node.type) : undefined;
  for (const [key, value] of Object.entries(node)) {
    if (where === "card" && HOST_KEYS.has(key)) {
      continue;
    }
    if (known && !known.has(key)) {
      problems.push(`${where}.${key}: not a property of ${node.type} at 1.5`);
    }
    // An action's `data` is the bot's own JSON, passed back as it is.
    if (key !== "data") {
      unknownKeys(value, `${where}.${key}`, problems);
    }
  }
}

function fitActions(actions, width, where, problems) {
  const primary = actions.filter((a) => a.mode !== "secondary");
  if (primary.length === 0) {
    return;
  }
  const share = (width - BUTTON_SPACING * (primary.length - 1)) / primary.length;
  for (const action of primary) {
    const title = action.title || "";
    if (textWidth(title) + BUTTON_PADDING > share) {
      problems.push(
        `${where}: button "${title}" is cut short at a ${CARD_WIDTH} px card ` +
          `(${primary.length} buttons in the row)`,
      );
    }
  }
}

// Teams-specific checks the SDK does not make, walking the card's JSON.
function teamsRules(node, width, where, problems) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => teamsRules(item, width, `${where}[${i}]`, problems));
    return;
  }
  if (node === null || typeof node !== "object") {
    return;
  }
  if (node.type === "TextBlock") {
    if (node.wrap !== true) {
      problems.push(`${where}: a TextBlock that does not wrap is cut at the card's edge`);
    }
    if (typeof node.text === "string" && node.text.includes("`")) {
      problems.push(`${where}: backticks show literally in Teams (no code spans)`);
    }
  }
  if (node.type === "FactSet") {
    for (const fact of node.facts || []) {
      if (`${fact.title}${fact.value}`.includes("`")) {
        problems.push(`${where}: backticks show literally in Teams (no code spans)`);
      }
    }
  }
  if (node.type === "ActionSet" || node.type === "AdaptiveCard") {
    fitActions(node.actions || [], width, `${where}.actions`, problems);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === "data") {
      continue;
    }
    // A shown card sits inside the card's padding once more.
    const inner = node.type === "Action.ShowCard" && key === "card" ? width - 2 * PADDING : width;
    teamsRules(value, inner, `${where}.${key}`, problems);
  }
}

function check(json) {
  const problems = [];
  const bytes = Buffer.byteLength(JSON.stringify(json), "utf8");
  if (bytes > MAX_CARD_BYTES) {
    problems.push(`card: ${bytes} bytes, over Teams' ${MAX_CARD_BYTES}`);
  }
  if (json.version !== "1.5") {
    problems.push(`card: version ${json.version}, Teams' bots want 1.5`);
  }
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(HOST_CONFIG);
  const context = new AC.SerializationContext(TARGET);
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push(`validate: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  unknownKeys(json, "card", problems);
  teamsRules(json, CARD_WIDTH - 2 * PADDING, "card", problems);
  return problems;
}

function main() {
  const cards = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const report = {};
  for (const [name, json] of Object.entries(cards)) {
    try {
      report[name] = check(json);
    } catch (error) {
      report[name] = [`the SDK failed on it: ${error}`];
    }
  }
  process.stdout.write(JSON.stringify(report));
}

main();
