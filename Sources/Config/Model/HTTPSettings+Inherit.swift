// nginx's merge (`ngx_http_*_merge_loc_conf`), one module at a time: every setting a level left unset takes its
// parent's, field by field, in direct code. The table's rows name the fields they write as key paths
// (`DirectiveHandler.merges`); applied at run time, a path through a `$` projection cost ~2,500 instructions, so
// merging through them was a sixth of `-t` at 5,000 servers. MergeTests.everyMergedFieldIsInherited holds this
// list to the table's. `HTTPSettings.inherit(from:)`, which calls these, is in HTTPSettings.swift: a module a
// level did not write is shared with its parent instead.
// Not inherited, as in nginx: `internal` (`content.isInternal`) and `try_files` (`files.tryFiles`).

extension BrowserSettings {
    mutating func inherit(from parent: BrowserSettings) {
        $modern.inherit(from: parent.$modern)
        $ancient.inherit(from: parent.$ancient)
        $modernValue.inherit(from: parent.$modernValue)
        $ancientValue.inherit(from: parent.$ancientValue)
    }
}

extension DAVSettings {
    mutating func inherit(from parent: DAVSettings) {
        $methods.inherit(from: parent.$methods)
        $access.inherit(from: parent.$access)
        $createFullPutPath.inherit(from: parent.$createFullPutPath)
        $minDeleteDepth.inherit(from: parent.$minDeleteDepth)
    }
}

extension RefererSettings {
    mutating func inherit(from parent: RefererSettings) {
        // A level with its own list keeps it whole, but nginx merges the regexes apart: with none of its own it
        // takes those above, and the regex server names of a `server_names` above too.
        if $validReferers.isSet, var own = validReferers, let above = parent.validReferers {
            if own.regexes.isEmpty { own.regexes = above.regexes }
            own.inheritsServerNameRegexes = above.serverNames || above.inheritsServerNameRegexes
            $validReferers.set(own)
        }
        $validReferers.inherit(from: parent.$validReferers)
        $hashMaxSize.inherit(from: parent.$hashMaxSize)
        $hashBucketSize.inherit(from: parent.$hashBucketSize)
    }
}

extension SecureLinkSettings {
    mutating func inherit(from parent: SecureLinkSettings) {
        // nginx: a level with secure_link_secret takes neither expression from above; one with either
        // expression (its own or inherited) drops the secret above.
        if $secret.isSet { return }
        $link.inherit(from: parent.$link)
        $md5.inherit(from: parent.$md5)
        if link == nil && md5 == nil { $secret.inherit(from: parent.$secret) }
    }
}

extension UserIDSettings {
    mutating func inherit(from parent: UserIDSettings) {
        $mode.inherit(from: parent.$mode)
        $flags.inherit(from: parent.$flags)
        $name.inherit(from: parent.$name)
        $domain.inherit(from: parent.$domain)
        $path.inherit(from: parent.$path)
        $p3p.inherit(from: parent.$p3p)
        $service.inherit(from: parent.$service)
        $expires.inherit(from: parent.$expires)
        $mark.inherit(from: parent.$mark)
    }
}

extension SSISettings {
    mutating func inherit(from parent: SSISettings) {
        $enabled.inherit(from: parent.$enabled)
        $types.inherit(from: parent.$types)
        $lastModified.inherit(from: parent.$lastModified)
        $minFileChunk.inherit(from: parent.$minFileChunk)
        $silentErrors.inherit(from: parent.$silentErrors)
        $valueLength.inherit(from: parent.$valueLength)
    }
}

extension ResolverSettings {
    mutating func inherit(from parent: ResolverSettings) {
        $resolver.inherit(from: parent.$resolver)
        $timeout.inherit(from: parent.$timeout)
    }
}

extension ProxySettings {
    mutating func inherit(from parent: ProxySettings) {
        $setHeaders.inherit(from: parent.$setHeaders)
        $hideHeaders.inherit(from: parent.$hideHeaders)
        $passHeaders.inherit(from: parent.$passHeaders)
        $httpVersion.inherit(from: parent.$httpVersion)
        $redirect.inherit(from: parent.$redirect)
        $nextUpstream.inherit(from: parent.$nextUpstream)
        $nextUpstreamTries.inherit(from: parent.$nextUpstreamTries)
        $nextUpstreamTimeout.inherit(from: parent.$nextUpstreamTimeout)
        $connectTimeout.inherit(from: parent.$connectTimeout)
        $sendTimeout.inherit(from: parent.$sendTimeout)
        $readTimeout.inherit(from: parent.$readTimeout)
        $bufferSize.inherit(from: parent.$bufferSize)
        $buffers.inherit(from: parent.$buffers)
        $busyBuffersSize.inherit(from: parent.$busyBuffersSize)
        $buffering.inherit(from: parent.$buffering)
        $requestBuffering.inherit(from: parent.$requestBuffering)
        $bind.inherit(from: parent.$bind)
        $socketKeepalive.inherit(from: parent.$socketKeepalive)
        $forceRanges.inherit(from: parent.$forceRanges)
        $limitRate.inherit(from: parent.$limitRate)
        $tempPath.inherit(from: parent.$tempPath)
        $tempFileWriteSize.inherit(from: parent.$tempFileWriteSize)
        $maxTempFileSize.inherit(from: parent.$maxTempFileSize)
        $store.inherit(from: parent.$store)
        $storeAccess.inherit(from: parent.$storeAccess)
        $interceptErrors.inherit(from: parent.$interceptErrors)
        $passRequestHeaders.inherit(from: parent.$passRequestHeaders)
        $passRequestBody.inherit(from: parent.$passRequestBody)
        $ignoreClientAbort.inherit(from: parent.$ignoreClientAbort)
        $ignoreHeaders.inherit(from: parent.$ignoreHeaders)
        $method.inherit(from: parent.$method)
        $setBody.inherit(from: parent.$setBody)
        $cookieDomain.inherit(from: parent.$cookieDomain)
        $cookiePath.inherit(from: parent.$cookiePath)
        $cookieFlags.inherit(from: parent.$cookieFlags)
        $passTrailers.inherit(from: parent.$passTrailers)
        cache.inherit(from: parent.cache)
    }
}

extension CGIParamsSettings {
    mutating func inherit(from parent: CGIParamsSettings) {
        $params.inherit(from: parent.$params)
        $hideHeaders.inherit(from: parent.$hideHeaders)
        $passHeaders.inherit(from: parent.$passHeaders)
        $ignoreHeaders.inherit(from: parent.$ignoreHeaders)
        $nextUpstream.inherit(from: parent.$nextUpstream)
        $nextUpstreamTries.inherit(from: parent.$nextUpstreamTries)
        $nextUpstreamTimeout.inherit(from: parent.$nextUpstreamTimeout)
        $connectTimeout.inherit(from: parent.$connectTimeout)
        $sendTimeout.inherit(from: parent.$sendTimeout)
        $readTimeout.inherit(from: parent.$readTimeout)
        $bufferSize.inherit(from: parent.$bufferSize)
        $buffers.inherit(from: parent.$buffers)
        $busyBuffersSize.inherit(from: parent.$busyBuffersSize)
        $tempFileWriteSize.inherit(from: parent.$tempFileWriteSize)
        $maxTempFileSize.inherit(from: parent.$maxTempFileSize)
        $interceptErrors.inherit(from: parent.$interceptErrors)
        $forceRanges.inherit(from: parent.$forceRanges)
        $limitRate.inherit(from: parent.$limitRate)
        $bind.inherit(from: parent.$bind)
        $socketKeepalive.inherit(from: parent.$socketKeepalive)
        $ignoreClientAbort.inherit(from: parent.$ignoreClientAbort)
        $passRequestHeaders.inherit(from: parent.$passRequestHeaders)
        $passRequestBody.inherit(from: parent.$passRequestBody)
        $requestBuffering.inherit(from: parent.$requestBuffering)
        cache.inherit(from: parent.cache)
    }
}

extension FastCGISettings {
    mutating func inherit(from parent: FastCGISettings) {
        family.inherit(from: parent.family)
        $index.inherit(from: parent.$index)
        $splitPathInfo.inherit(from: parent.$splitPathInfo)
        $keepConn.inherit(from: parent.$keepConn)
        $catchStderr.inherit(from: parent.$catchStderr)
    }
}

extension MemcachedSettings {
    mutating func inherit(from parent: MemcachedSettings) {
        family.inherit(from: parent.family)
        $gzipFlag.inherit(from: parent.$gzipFlag)
    }
}

extension UWSGISettings {
    mutating func inherit(from parent: UWSGISettings) {
        family.inherit(from: parent.family)
        $modifier1.inherit(from: parent.$modifier1)
        $modifier2.inherit(from: parent.$modifier2)
    }
}

extension GzipSettings {
    mutating func inherit(from parent: GzipSettings) {
        $enabled.inherit(from: parent.$enabled)
        $types.inherit(from: parent.$types)
        $minLength.inherit(from: parent.$minLength)
        $compLevel.inherit(from: parent.$compLevel)
        $httpVersion.inherit(from: parent.$httpVersion)
        $vary.inherit(from: parent.$vary)
        $proxied.inherit(from: parent.$proxied)
        $disable.inherit(from: parent.$disable)
        $buffers.inherit(from: parent.$buffers)
        $windowBits.inherit(from: parent.$windowBits)
        $memLevel.inherit(from: parent.$memLevel)
        $staticMode.inherit(from: parent.$staticMode)
        $gunzip.inherit(from: parent.$gunzip)
        $gunzipBuffers.inherit(from: parent.$gunzipBuffers)
    }
}

extension ClientSettings {
    mutating func inherit(from parent: ClientSettings) {
        $keepaliveTimeout.inherit(from: parent.$keepaliveTimeout)
        $keepaliveHeaderTimeout.inherit(from: parent.$keepaliveHeaderTimeout)
        $keepaliveRequests.inherit(from: parent.$keepaliveRequests)
        $keepaliveTime.inherit(from: parent.$keepaliveTime)
        $headerTimeout.inherit(from: parent.$headerTimeout)
        $bodyTimeout.inherit(from: parent.$bodyTimeout)
        $sendTimeout.inherit(from: parent.$sendTimeout)
        $maxBodySize.inherit(from: parent.$maxBodySize)
        $bodyBufferSize.inherit(from: parent.$bodyBufferSize)
        $headerBufferSize.inherit(from: parent.$headerBufferSize)
        $largeHeaderBuffers.inherit(from: parent.$largeHeaderBuffers)
        $connectionPoolSize.inherit(from: parent.$connectionPoolSize)
        $maxHeaders.inherit(from: parent.$maxHeaders)
        $bodyTempPath.inherit(from: parent.$bodyTempPath)
        $bodyTempLevels.inherit(from: parent.$bodyTempLevels)
        $resetTimedoutConnection.inherit(from: parent.$resetTimedoutConnection)
        $sendfile.inherit(from: parent.$sendfile)
        $tcpNodelay.inherit(from: parent.$tcpNodelay)
        $ignoreInvalidHeaders.inherit(from: parent.$ignoreInvalidHeaders)
        $underscoresInHeaders.inherit(from: parent.$underscoresInHeaders)
        $keepaliveDisable.inherit(from: parent.$keepaliveDisable)
        $bodyInFileOnly.inherit(from: parent.$bodyInFileOnly)
        $chunkedTransferEncoding.inherit(from: parent.$chunkedTransferEncoding)
        $limitRate.inherit(from: parent.$limitRate)
        $limitRateAfter.inherit(from: parent.$limitRateAfter)
        $lingeringClose.inherit(from: parent.$lingeringClose)
        $lingeringTime.inherit(from: parent.$lingeringTime)
        $lingeringTimeout.inherit(from: parent.$lingeringTimeout)
    }
}

extension ContentSettings {
    mutating func inherit(from parent: ContentSettings) {
        $documentRoot.inherit(from: parent.$documentRoot)
        $index.inherit(from: parent.$index)
        $defaultType.inherit(from: parent.$defaultType)
        $types.inherit(from: parent.$types)
        $charset.inherit(from: parent.$charset)
        $charsetTypes.inherit(from: parent.$charsetTypes)
        $subrequestOutputBufferSize.inherit(from: parent.$subrequestOutputBufferSize)
        $mirrors.inherit(from: parent.$mirrors)
        $mirrorRequestBody.inherit(from: parent.$mirrorRequestBody)
        $logSubrequest.inherit(from: parent.$logSubrequest)
        $postAction.inherit(from: parent.$postAction)
        $sliceSize.inherit(from: parent.$sliceSize)
        $sourceCharset.inherit(from: parent.$sourceCharset)
        $overrideCharset.inherit(from: parent.$overrideCharset)
        $expires.inherit(from: parent.$expires)
        $addHeaders.inherit(from: parent.$addHeaders)
        $addTrailers.inherit(from: parent.$addTrailers)
        $errorPages.inherit(from: parent.$errorPages)
        $serverTokens.inherit(from: parent.$serverTokens)
        $msiePadding.inherit(from: parent.$msiePadding)
        $ifModifiedSince.inherit(from: parent.$ifModifiedSince)
        $etag.inherit(from: parent.$etag)
        $maxRanges.inherit(from: parent.$maxRanges)
    }
}

extension LoggingSettings {
    mutating func inherit(from parent: LoggingSettings) {
        $accessLogs.inherit(from: parent.$accessLogs)
        $errorLogs.inherit(from: parent.$errorLogs)
        $openLogFileCache.inherit(from: parent.$openLogFileCache)
    }
}

extension RewriteSettings {
    mutating func inherit(from parent: RewriteSettings) {
        $log.inherit(from: parent.$log)
        $uninitializedWarn.inherit(from: parent.$uninitializedWarn)
    }
}

extension AccessSettings {
    mutating func inherit(from parent: AccessSettings) {
        $rules.inherit(from: parent.$rules)
        $realIPFrom.inherit(from: parent.$realIPFrom)
        $realIPHeader.inherit(from: parent.$realIPHeader)
        $realIPRecursive.inherit(from: parent.$realIPRecursive)
        $authBasicRealm.inherit(from: parent.$authBasicRealm)
        $authBasicUserFile.inherit(from: parent.$authBasicUserFile)
        $satisfyAny.inherit(from: parent.$satisfyAny)
        $authDelay.inherit(from: parent.$authDelay)
        $authRequest.inherit(from: parent.$authRequest)
        $authRequestSets.inherit(from: parent.$authRequestSets)
    }
}

extension LimitSettings {
    mutating func inherit(from parent: LimitSettings) {
        $requests.inherit(from: parent.$requests)
        $requestLogLevel.inherit(from: parent.$requestLogLevel)
        $requestStatus.inherit(from: parent.$requestStatus)
        $requestDryRun.inherit(from: parent.$requestDryRun)
        $connections.inherit(from: parent.$connections)
        $connectionLogLevel.inherit(from: parent.$connectionLogLevel)
        $connectionStatus.inherit(from: parent.$connectionStatus)
        $connectionDryRun.inherit(from: parent.$connectionDryRun)
    }
}

extension FileSettings {
    mutating func inherit(from parent: FileSettings) {
        $mergeSlashes.inherit(from: parent.$mergeSlashes)
        $absoluteRedirect.inherit(from: parent.$absoluteRedirect)
        $portInRedirect.inherit(from: parent.$portInRedirect)
        $serverNameInRedirect.inherit(from: parent.$serverNameInRedirect)
        $msieRefresh.inherit(from: parent.$msieRefresh)
        $logNotFound.inherit(from: parent.$logNotFound)
        $randomIndex.inherit(from: parent.$randomIndex)
        $autoindex.inherit(from: parent.$autoindex)
        $autoindexFormat.inherit(from: parent.$autoindexFormat)
        $autoindexLocaltime.inherit(from: parent.$autoindexLocaltime)
        $autoindexExactSize.inherit(from: parent.$autoindexExactSize)
        $recursiveErrorPages.inherit(from: parent.$recursiveErrorPages)
        $aliasScope.inherit(from: parent.$aliasScope)
        $disableSymlinks.inherit(from: parent.$disableSymlinks)
    }
}

extension SSLSettings {
    mutating func inherit(from parent: SSLSettings) {
        $enabled.inherit(from: parent.$enabled)
        $certificates.inherit(from: parent.$certificates)
        $certificateKeys.inherit(from: parent.$certificateKeys)
        $passwordFile.inherit(from: parent.$passwordFile)
        $protocols.inherit(from: parent.$protocols)
        $ciphers.inherit(from: parent.$ciphers)
        $preferServerCiphers.inherit(from: parent.$preferServerCiphers)
        $ecdhCurve.inherit(from: parent.$ecdhCurve)
        $dhparam.inherit(from: parent.$dhparam)
        $confCommands.inherit(from: parent.$confCommands)
        $sessionCache.inherit(from: parent.$sessionCache)
        $sessionTimeout.inherit(from: parent.$sessionTimeout)
        $sessionTickets.inherit(from: parent.$sessionTickets)
        $sessionTicketKeys.inherit(from: parent.$sessionTicketKeys)
        $rejectHandshake.inherit(from: parent.$rejectHandshake)
        $verifyClient.inherit(from: parent.$verifyClient)
        $verifyDepth.inherit(from: parent.$verifyDepth)
        $clientCertificate.inherit(from: parent.$clientCertificate)
        $trustedCertificate.inherit(from: parent.$trustedCertificate)
        $crl.inherit(from: parent.$crl)
        $stapling.inherit(from: parent.$stapling)
        $staplingFile.inherit(from: parent.$staplingFile)
        $staplingResponder.inherit(from: parent.$staplingResponder)
        $staplingVerify.inherit(from: parent.$staplingVerify)
        $ocsp.inherit(from: parent.$ocsp)
        $ocspResponder.inherit(from: parent.$ocspResponder)
        $ocspCache.inherit(from: parent.$ocspCache)
    }
}

extension ProxySSLSettings {
    mutating func inherit(from parent: ProxySSLSettings) {
        $serverName.inherit(from: parent.$serverName)
        $name.inherit(from: parent.$name)
        $verify.inherit(from: parent.$verify)
        $verifyDepth.inherit(from: parent.$verifyDepth)
        $trustedCertificate.inherit(from: parent.$trustedCertificate)
        $crl.inherit(from: parent.$crl)
        $protocols.inherit(from: parent.$protocols)
        $ciphers.inherit(from: parent.$ciphers)
        $certificate.inherit(from: parent.$certificate)
        $certificateKey.inherit(from: parent.$certificateKey)
        $passwordFile.inherit(from: parent.$passwordFile)
        $sessionReuse.inherit(from: parent.$sessionReuse)
        $confCommands.inherit(from: parent.$confCommands)
    }
}

extension UpstreamCacheSettings {
    mutating func inherit(from parent: UpstreamCacheSettings) {
        $zone.inherit(from: parent.$zone)
        $key.inherit(from: parent.$key)
        $valid.inherit(from: parent.$valid)
        $methods.inherit(from: parent.$methods)
        $minUses.inherit(from: parent.$minUses)
        $bypass.inherit(from: parent.$bypass)
        $noCache.inherit(from: parent.$noCache)
        $useStale.inherit(from: parent.$useStale)
        $backgroundUpdate.inherit(from: parent.$backgroundUpdate)
        $lock.inherit(from: parent.$lock)
        $lockTimeout.inherit(from: parent.$lockTimeout)
        $lockAge.inherit(from: parent.$lockAge)
        $revalidate.inherit(from: parent.$revalidate)
        $convertHead.inherit(from: parent.$convertHead)
        $maxRangeOffset.inherit(from: parent.$maxRangeOffset)
        $targetFields.inherit(from: parent.$targetFields)
    }
}

extension SubFilterSettings {
    mutating func inherit(from parent: SubFilterSettings) {
        $pairs.inherit(from: parent.$pairs)   // a level with its own lines keeps only those
        $types.inherit(from: parent.$types)
        $once.inherit(from: parent.$once)
        $lastModified.inherit(from: parent.$lastModified)
    }
}

extension AdditionSettings {
    mutating func inherit(from parent: AdditionSettings) {
        $beforeBody.inherit(from: parent.$beforeBody)   // an explicit "" is set: it stops the inherited URI
        $afterBody.inherit(from: parent.$afterBody)
        $types.inherit(from: parent.$types)
    }
}
