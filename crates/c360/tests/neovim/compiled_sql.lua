-- :C360Sql [dialect] shows the SQL compiled from the current file's project in a split.
vim.api.nvim_create_user_command("C360Sql", function(opts)
  local params = { uri = vim.uri_from_bufnr(0) }
  if opts.args ~= "" then
    params.dialect = opts.args
  end
  vim.lsp.buf_request(0, "c360/compiledSql", params, function(err, result)
    if err then
      vim.notify("c360: " .. err.message, vim.log.levels.ERROR)
      return
    end
    vim.cmd("vnew")
    vim.api.nvim_buf_set_lines(0, 0, -1, false, vim.split(result.sql, "\n", { plain = true }))
    vim.bo.buftype = "nofile"
    vim.bo.modifiable = false
    vim.bo.filetype = "sql"
  end)
end, {
  nargs = "?",
  complete = function()
    return { "duckdb", "postgres", "snowflake", "bigquery", "redshift", "databricks" }
  end,
})
