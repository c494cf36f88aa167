<%@ Page Language="C#" AutoEventWireup="true" %>
<script runat="server">
protected void Page_Load(object sender, EventArgs e) {
    Label1.Text = Server.HtmlEncode(Request.QueryString["name"]);
}
</script>
<asp:Label ID="Label1" runat="server" />
