-- pandoc filter for the manual pages: pandoc gives a wide table the whole text width (70n), but
-- tbl adds 3n between columns and man indents paragraphs, so an 80-column terminal cannot hold
-- it and `man --warnings` says "table wider than line width". Keep tables to 85 % of the width.
function Table(t)
  for _, spec in ipairs(t.colspecs) do
    if type(spec[2]) == 'number' then
      spec[2] = spec[2] * 0.85
    end
  end
  return t
end
