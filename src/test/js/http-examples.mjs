// Runs the requests of http-examples/*.http against a running Tempora, top to bottom, as the
// IntelliJ HTTP Client would, and checks each answer against the request's "# Expect:" comment:
// its status (one of the codes it names) and, where it names one, the task's or the problem's
// single state and errors[0].field.
//
//   node http-examples.mjs <base URL> <file.http>...
//
// Supported: "@name = value" variables ({{name}}; @host is replaced by the base URL), requests
// separated by "###", headers, a body, and "> {% ... %}" response handlers, run as JavaScript with
// the client.global and response objects they use. An event stream is read until its first
// event (or 2 s), then closed. Prints one line per request and "N passed, M failed"; exits 1 if
// any failed. No dependencies: Node's fetch.

import { readFileSync } from "node:fs";
import { basename } from "node:path";

const [base, ...files] = process.argv.slice(2);
if (!base || files.length === 0) {
    console.error("usage: node http-examples.mjs <base URL> <file.http>...");
    process.exit(2);
}

const globals = new Map();
let passed = 0;
let failed = 0;

for (const file of files) {
    const variables = new Map();
    for (const request of parse(readFileSync(file, "utf8"), variables)) {
        variables.set("host", base.replace(/\/$/, ""));
        const label = `${basename(file)}: ${request.title}`;
        try {
            const problems = await run(request, variables);
            if (problems.length === 0) {
                passed++;
                console.log(`ok   ${label}`);
            } else {
                failed++;
                console.log(`FAIL ${label}\n     ${problems.join("\n     ")}`);
            }
        } catch (error) {
            failed++;
            console.log(`FAIL ${label}\n     ${error.stack ?? error}`);
        }
    }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

/** The requests of one file, in order; its "@name = value" lines go into variables. */
function parse(text, variables) {
    const requests = [];
    let current = null;
    let section = "comments"; // then "headers", "body", "script"
    for (const line of text.split(/\r?\n/)) {
        if (line.startsWith("###")) {
            current = { title: line.slice(3).trim(), expect: "", method: null, url: null, headers: [], body: [], script: [] };
            requests.push(current);
            section = "comments";
            continue;
        }
        const variable = /^@(\w+)\s*=\s*(.*)$/.exec(line);
        if (variable && (current === null || section === "comments")) {
            variables.set(variable[1], variable[2].trim());
            continue;
        }
        if (current === null) {
            continue;
        }
        if (section === "script") {
            if (line.trim() === "%}") {
                section = "done";
            } else {
                current.script.push(line);
            }
        } else if (line.startsWith("> {%")) {
            section = "script";
        } else if (section === "comments") {
            if (/^\s*(#|\/\/)/.test(line)) {
                const comment = line.replace(/^\s*(#|\/\/)\s?/, "");
                if (comment.startsWith("Expect:") || current.expect) {
                    current.expect += (current.expect ? " " : "") + comment.replace(/^Expect:\s*/, "");
                }
            } else if (line.trim() !== "") {
                const [method, url] = line.trim().split(/\s+/);
                current.method = method;
                current.url = url;
                section = "headers";
            }
        } else if (section === "headers") {
            if (line.trim() === "") {
                section = "body";
            } else {
                const colon = line.indexOf(":");
                current.headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
            }
        } else if (section === "body" && !/^\s*(#|\/\/)/.test(line)) {
            current.body.push(line);
        }
    }
    return requests.filter(request => request.method !== null);
}

/** Sends one request; returns what did not match its "# Expect:" comment. */
async function run(request, variables) {
    const expand = text => text.replace(/\{\{(\w+)\}\}/g, (_, name) => {
        if (globals.has(name)) return globals.get(name);
        if (variables.has(name)) return expand(variables.get(name));
        throw new Error(`no value for {{${name}}}`);
    });
    const body = request.body.join("\n").trim();
    const headers = new Headers(request.headers.map(([name, value]) => [name, expand(value)]));
    const abort = new AbortController();
    const response = await fetch(expand(request.url), {
        method: request.method,
        headers,
        body: body === "" ? undefined : expand(body),
        redirect: "manual",
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(90_000)]),
    });
    const type = response.headers.get("content-type") ?? "";
    let text;
    if (type.startsWith("text/event-stream")) {
        text = await firstEvent(response, abort);
    } else {
        text = await response.text();
    }
    let json = null;
    if (type.includes("json") && text !== "") {
        json = JSON.parse(text);
    }

    const problems = [];
    const expected = [...request.expect.matchAll(/\b([1-5]\d\d) [A-Z]/g)].map(match => Number(match[1]));
    if (expected.length === 0) {
        problems.push(`no status in its Expect comment: "${request.expect}"`);
    } else if (!expected.includes(response.status)) {
        problems.push(`status ${response.status}, expected ${expected.join(" or ")}: ${text.slice(0, 300)}`);
    }
    const field = /errors\[0\]\.field = "([^"]+)"/.exec(request.expect);
    if (field && json?.errors?.[0]?.field !== field[1]) {
        problems.push(`errors[0].field ${JSON.stringify(json?.errors?.[0]?.field)}, expected "${field[1]}"`);
    }
    const state = /(?:^|, )state ([A-Z]+)(?=[,.;]|$)|problem with "state": "([A-Z]+)"/.exec(request.expect);
    if (state && json?.state !== (state[1] ?? state[2])) {
        problems.push(`state ${JSON.stringify(json?.state)}, expected ${state[1] ?? state[2]}`);
    }
    if (request.script.length > 0) {
        const client = { global: { set: (name, value) => globals.set(name, String(value)), get: name => globals.get(name) } };
        const handlerResponse = {
            status: response.status,
            body: json ?? text,
            headers: { valueOf: name => response.headers.get(name) },
        };
        new Function("client", "response", request.script.join("\n"))(client, handlerResponse);
    }
    return problems;
}

/** The stream up to its first event (a blank line after data), or what came within 2 s. */
async function firstEvent(response, abort) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const timer = setTimeout(() => abort.abort(), 2_000);
    let text = "";
    try {
        while (!/\ndata:[^\n]*\n\n/.test(text)) {
            const { value, done } = await reader.read();
            if (done) break;
            text += decoder.decode(value, { stream: true });
        }
    } catch (error) {
        if (!abort.signal.aborted) throw error;
    } finally {
        clearTimeout(timer);
        abort.abort();
    }
    return text;
}
