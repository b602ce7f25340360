-- Drives `c360 lsp` from headless Neovim 0.7 (`vim.lsp.start_client`), as an editor would.
-- Reads C360_BIN, C360_ROOT, C360_RESULT, C360_SNIPPET (the "Show compiled SQL" snippet of
-- docs/editors.md) and C360_SQL_OUT from the environment; writes "PASS ..." or "FAIL ..." to
-- C360_RESULT, the SQL the snippet showed to C360_SQL_OUT, and quits.

local bin = os.getenv("C360_BIN")
local root = os.getenv("C360_ROOT")
local result_path = os.getenv("C360_RESULT")

local function finish(ok, message)
  local f = io.open(result_path, "w")
  f:write((ok and "PASS " or "FAIL ") .. message .. "\n")
  f:close()
  vim.cmd("qall!")
end

local function run()
  local published = {}
  local initialized = false
  local client_id = vim.lsp.start_client({
    name = "c360",
    cmd = { bin, "lsp" },
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = "ecommerce" } },
    on_init = function() initialized = true end,
    handlers = {
      ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
        published[result.uri] = result.diagnostics
        return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
      end,
    },
  })
  if not client_id then
    return finish(false, "start_client failed")
  end
  if not vim.wait(20000, function() return initialized end, 20) then
    return finish(false, "the server did not initialize")
  end

  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/features.c360"))
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  vim.lsp.buf_attach_client(buf, client_id)

  -- A broken edit inside the features block: an unknown source.
  local last = vim.api.nvim_buf_line_count(buf) - 1
  vim.api.nvim_buf_set_lines(buf, last, last, false, { "  broken = nosuch | count()" })
  local got = vim.wait(20000, function()
    for _, d in ipairs(published[uri] or {}) do
      if d.message:find("nosuch", 1, true) then return true end
    end
    return false
  end, 20)
  if not got then
    return finish(false, "no diagnostic for the broken edit; got " .. vim.inspect(published[uri]))
  end
  if #vim.diagnostic.get(buf) == 0 then
    return finish(false, "diagnostics were published but not shown in the buffer")
  end

  -- Completion after `where ` offers the source's columns.
  local line_text = "  probe = orders | where "
  vim.api.nvim_buf_set_lines(buf, last, last + 1, false, { line_text })
  local params = {
    textDocument = { uri = uri },
    position = { line = last, character = #line_text },
  }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/completion", params, 20000)
  local labels = {}
  for _, response in pairs(responses or {}) do
    if response.error then
      return finish(false, "completion failed: " .. vim.inspect(response.error))
    end
    local items = response.result and (response.result.items or response.result) or {}
    for _, item in ipairs(items) do labels[item.label] = true end
  end
  for _, column in ipairs({ "status", "amount", "created_at" }) do
    if not labels[column] then
      return finish(false, "completion after `where ` lacks `" .. column .. "`: " .. vim.inspect(vim.tbl_keys(labels)))
    end
  end

  -- "Show compiled SQL" through the snippet in docs/editors.md, on the restored file.
  vim.api.nvim_buf_set_lines(buf, last, last + 1, false, {})
  vim.cmd("luafile " .. vim.fn.fnameescape(os.getenv("C360_SNIPPET")))
  vim.cmd("C360Sql snowflake")
  local shown = vim.wait(20000, function()
    return vim.bo.filetype == "sql"
  end, 20)
  if not shown then
    return finish(false, ":C360Sql snowflake opened no SQL buffer")
  end
  local sql = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  local out = io.open(os.getenv("C360_SQL_OUT"), "w")
  out:write(sql)
  out:close()

  vim.lsp.stop_client(client_id)
  finish(true, "diagnostics, completion and compiled SQL")
end

local ok, err = pcall(run)
if not ok then finish(false, "error: " .. tostring(err)) end
