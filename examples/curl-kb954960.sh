#!/usr/bin/env bash
# Reproduce KB954960 with curl alone against a running buggy mockwsus:
#   go run ./cmd/mockwsus --addr 127.0.0.1:8530 --behaviour kb954960=buggy --log-dir ./wsus-logs &
#   examples/curl-kb954960.sh http://127.0.0.1:8530
# The last request is an Office 2003 computer's SyncUpdates: its installed
# non-leaf updates are every category plus the Windows XP (1002) and Office
# 2003 (1020) detectoids, so the server reaches Office 2003 SP1 (revision 8862,
# two approval rows) and answers the InternalServerError fault; the
# exception is in ./wsus-logs/SoftwareDistribution.log with the same ID.
set -euo pipefail
U=${1:-http://127.0.0.1:8530}
NS=http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService
SA=http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService
post() {
	curl -sS -H 'Content-Type: text/xml; charset=utf-8' -H "SOAPAction: \"$2\"" \
		--data "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>$3</s:Body></s:Envelope>" "$U$1"
}
auth=$(post /SimpleAuthWebService/SimpleAuth.asmx "$SA/GetAuthorizationCookie" \
	"<GetAuthorizationCookie xmlns=\"$SA\"><clientId>e1da06a3-5601-43c9-bac3-52d5db701494</clientId><targetGroupName></targetGroupName><dnsName>xp-office.lab.local</dnsName></GetAuthorizationCookie>" |
	sed -E 's/.*<CookieData>([^<]*)<.*/\1/')
cookie=$(post /ClientWebService/client.asmx "$NS/GetCookie" \
	"<GetCookie xmlns=\"$NS\"><authCookies><AuthorizationCookie><PlugInId>SimpleTargeting</PlugInId><CookieData>$auth</CookieData></AuthorizationCookie></authCookies><lastChange>2008-06-10T17:00:00Z</lastChange><currentTime>2008-06-13T19:59:53Z</currentTime><protocolVersion>1.0</protocolVersion></GetCookie>" |
	sed -E 's/.*<GetCookieResult>(.*)<\/GetCookieResult>.*/\1/')
post /ClientWebService/client.asmx "$NS/RegisterComputer" \
	"<RegisterComputer xmlns=\"$NS\"><cookie>$cookie</cookie><computerInfo><DnsName>xp-office.lab.local</DnsName><OSMajorVersion>5</OSMajorVersion><OSMinorVersion>1</OSMinorVersion><OSBuildNumber>2600</OSBuildNumber><OSServicePackMajorNumber>3</OSServicePackMajorNumber><OSServicePackMinorNumber>0</OSServicePackMinorNumber><BiosReleaseDate>2008-01-01T00:00:00Z</BiosReleaseDate><SuiteMask>256</SuiteMask><OldProductType>1</OldProductType><NewProductType>1</NewProductType><SystemMetrics>0</SystemMetrics><ClientVersionMajorNumber>7</ClientVersionMajorNumber><ClientVersionMinorNumber>2</ClientVersionMinorNumber><ClientVersionBuildNumber>6001</ClientVersionBuildNumber><ClientVersionQfeNumber>788</ClientVersionQfeNumber></computerInfo></RegisterComputer>" >/dev/null
installed=""
for id in 101 102 103 110 111 112 113 120 130 131 132 133 1002 1020; do installed="$installed<int>$id</int>"; done
curl -sS -i -H 'Content-Type: text/xml; charset=utf-8' -H "SOAPAction: \"$NS/SyncUpdates\"" \
	--data "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><SyncUpdates xmlns=\"$NS\"><cookie>$cookie</cookie><parameters><ExpressQuery>false</ExpressQuery><InstalledNonLeafUpdateIDs>$installed</InstalledNonLeafUpdateIDs><OtherCachedUpdateIDs><int>1003</int><int>1004</int><int>1005</int></OtherCachedUpdateIDs><SkipSoftwareSync>false</SkipSoftwareSync></parameters></SyncUpdates></s:Body></s:Envelope>" \
	"$U/ClientWebService/client.asmx"
echo
